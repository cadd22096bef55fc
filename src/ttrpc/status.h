// google.rpc status codes as used by ttRPC, their mapping to vc::ErrorCode,
// and the Request/Response envelopes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ttrpc/frame.h"
#include "vc/result.h"

namespace vc::ttrpc {

enum class Code : int32_t {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

Code ToCode(ErrorCode code);
ErrorCode FromCode(int32_t code);

// The serialized Response message carrying either a payload or an error.
std::string EncodeResponse(const Result<std::string>& result);
std::string EncodeErrorResponse(Code code, const std::string& message);

// The serialized Request message of a unary call.
std::string EncodeRequest(const std::string& service, const std::string& method,
                          const std::string& payload, std::chrono::nanoseconds timeout);
// The payload of a response frame, or the error it carries.
Result<std::string> DecodeResponse(const Frame& frame);

}  // namespace vc::ttrpc
