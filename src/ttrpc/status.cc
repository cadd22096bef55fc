#include "ttrpc/status.h"

#include "ttrpc.pb.h"

namespace vc::ttrpc {

Code ToCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return Code::kInvalidArgument;
    case ErrorCode::kNotFound: return Code::kNotFound;
    case ErrorCode::kAlreadyExists: return Code::kAlreadyExists;
    case ErrorCode::kFailedPrecondition: return Code::kFailedPrecondition;
    case ErrorCode::kUnavailable: return Code::kUnavailable;
    case ErrorCode::kDeadlineExceeded: return Code::kDeadlineExceeded;
    case ErrorCode::kInternal: return Code::kInternal;
  }
  return Code::kUnknown;
}

ErrorCode FromCode(int32_t code) {
  switch (static_cast<Code>(code)) {
    case Code::kInvalidArgument:
    case Code::kOutOfRange: return ErrorCode::kInvalidArgument;
    case Code::kNotFound: return ErrorCode::kNotFound;
    case Code::kAlreadyExists: return ErrorCode::kAlreadyExists;
    case Code::kFailedPrecondition: return ErrorCode::kFailedPrecondition;
    case Code::kUnavailable:
    case Code::kCancelled:
    case Code::kAborted: return ErrorCode::kUnavailable;
    case Code::kDeadlineExceeded: return ErrorCode::kDeadlineExceeded;
    default: return ErrorCode::kInternal;
  }
}

std::string EncodeResponse(const Result<std::string>& result) {
  if (!result) return EncodeErrorResponse(ToCode(result.error().code), result.error().message);
  Response response;
  response.set_payload(*result);
  return response.SerializeAsString();
}

std::string EncodeErrorResponse(Code code, const std::string& message) {
  Response response;
  response.mutable_status()->set_code(static_cast<int32_t>(code));
  response.mutable_status()->set_message(message);
  return response.SerializeAsString();
}

}  // namespace vc::ttrpc
