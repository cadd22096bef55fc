// Errors as values for the whole public API.
//
// Every fallible call returns vc::Result<T>: either a T or a vc::Error with a
// code a program can branch on and a message a person can act on. Nothing in
// the public API throws. Thread-safety: plain values.
#pragma once

#include <expected>
#include <string>
#include <utility>

#define VC_EXPORT __attribute__((visibility("default")))

namespace vc {

enum class ErrorCode {
  kInvalidArgument,    // bad input: ids, paths, config
  kNotFound,           // no such sandbox, container or process
  kAlreadyExists,      // duplicate id
  kFailedPrecondition, // call not allowed in the current state
  kUnavailable,        // a dead VM, agent or helper process; a missing binary
  kDeadlineExceeded,   // a timeout
  kUnimplemented,      // an operation this runtime does not support
  kInternal,           // a broken promise of a lower layer
  kDataLoss,           // persisted state that cannot be read (truncated, edited by hand)
};

VC_EXPORT const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Prefixes context, e.g. Error{..."connection refused"}.Wrap("start sandbox s1")
  // gives "start sandbox s1: connection refused" with the same code.
  Error Wrap(const std::string& context) const& { return {code, context + ": " + message}; }
  Error Wrap(const std::string& context) && {
    return {code, context + ": " + std::move(message)};
  }
};

template <typename T = void>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

}  // namespace vc
