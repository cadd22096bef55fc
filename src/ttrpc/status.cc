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
    case ErrorCode::kUnimplemented: return Code::kUnimplemented;
    case ErrorCode::kInternal: return Code::kInternal;
    case ErrorCode::kDataLoss: return Code::kDataLoss;
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
    case Code::kUnimplemented: return ErrorCode::kUnimplemented;
    case Code::kDataLoss: return ErrorCode::kDataLoss;
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

namespace vc::ttrpc {

std::string EncodeRequest(const std::string& service, const std::string& method,
                          const std::string& payload, std::chrono::nanoseconds timeout) {
  Request request;
  request.set_service(service);
  request.set_method(method);
  request.set_payload(payload);
  request.set_timeout_nano(timeout.count());
  return request.SerializeAsString();
}

Result<std::string> DecodeResponse(const Frame& frame) {
  if (frame.oversized) return Fail(ErrorCode::kInternal, "response exceeds the 4 MiB ttrpc limit");
  Response response;
  if (!response.ParseFromString(frame.payload))
    return Fail(ErrorCode::kInternal, "malformed response frame");
  if (response.has_status() && response.status().code() != 0)
    return Fail(FromCode(response.status().code()), response.status().message());
  return std::move(*response.mutable_payload());
}

}  // namespace vc::ttrpc
