// Turning errno into vc::Error.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "vc/result.h"

namespace vc::os {

// "<what>: <strerror(err)>", with a code chosen from the errno value.
inline Error ErrnoError(const std::string& what, int err = errno) {
  ErrorCode code = ErrorCode::kInternal;
  switch (err) {
    case ENOENT: code = ErrorCode::kNotFound; break;
    case EEXIST: code = ErrorCode::kAlreadyExists; break;
    case EINVAL: case ENAMETOOLONG: case ENOTDIR: code = ErrorCode::kInvalidArgument; break;
    case ECONNREFUSED: case ECONNRESET: case EPIPE: code = ErrorCode::kUnavailable; break;
    case ETIMEDOUT: code = ErrorCode::kDeadlineExceeded; break;
    default: break;
  }
  return Error{code, what + ": " + std::strerror(err)};
}

inline std::unexpected<Error> FailErrno(const std::string& what, int err = errno) {
  return std::unexpected(ErrnoError(what, err));
}

}  // namespace vc::os
