#include "sandbox/state.h"

#include <cctype>

namespace vc {

const char* ToString(SandboxState state) {
  switch (state) {
    case SandboxState::kReady: return "ready";
    case SandboxState::kRunning: return "running";
    case SandboxState::kPaused: return "paused";
    case SandboxState::kStopped: return "stopped";
  }
  return "unknown";
}

const char* ToString(ContainerState state) {
  switch (state) {
    case ContainerState::kReady: return "ready";
    case ContainerState::kRunning: return "running";
    case ContainerState::kPaused: return "paused";
    case ContainerState::kStopped: return "stopped";
  }
  return "unknown";
}

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kFailedPrecondition: return "failed precondition";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline exceeded";
    case ErrorCode::kUnimplemented: return "unimplemented";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kDataLoss: return "data loss";
  }
  return "unknown";
}

namespace {

struct Rule {
  const char* verb;
  bool allowed[4];    // indexed by state: ready, running, paused, stopped
  const char* hint[4];  // what to do instead, per refused state
};

Result<> Check(const char* kind, const std::string& id, int state, const char* state_name,
               const Rule& rule) {
  if (rule.allowed[state]) return {};
  std::string message = std::string(kind) + " " + id + " is " + state_name + ": cannot " + rule.verb;
  if (rule.hint[state] && *rule.hint[state]) message += std::string(" (") + rule.hint[state] + ")";
  return Fail(ErrorCode::kFailedPrecondition, message);
}

}  // namespace

Result<> CheckSandboxOp(const std::string& id, SandboxState state, SandboxOp op) {
  static const Rule rules[] = {
      // kStart
      {"start it", {true, false, false, true}, {"", "it is already running", "resume it instead", ""}},
      // kStop
      {"stop it", {false, true, true, false}, {"it was never started", "", "", "it is already stopped"}},
      // kPause
      {"pause it", {false, true, false, false}, {"start it first", "", "it is already paused", "start it first"}},
      // kResume
      {"resume it", {false, false, true, false}, {"it is not paused", "it is not paused", "", "it is not paused"}},
      // kDelete
      {"delete it", {true, false, false, true}, {"", "stop it before deleting it", "stop it before deleting it", ""}},
      // kAddContainer
      {"add a container", {true, true, false, false}, {"", "", "resume it first", "start it first"}},
  };
  return Check("sandbox", id, static_cast<int>(state), ToString(state), rules[static_cast<int>(op)]);
}

Result<> CheckContainerOp(const std::string& id, ContainerState state, ContainerOp op) {
  static const Rule rules[] = {
      // kStart
      {"start it", {true, false, false, false}, {"", "it is already running", "resume it instead", "delete it and create it again"}},
      // kStop
      {"stop it", {false, true, true, false}, {"it was never started", "", "", "it is already stopped"}},
      // kPause
      {"pause it", {false, true, false, false}, {"start it first", "", "it is already paused", "it has stopped"}},
      // kResume
      {"resume it", {false, false, true, false}, {"it is not paused", "it is not paused", "", "it is not paused"}},
      // kDelete
      {"delete it", {true, false, false, true}, {"", "stop it before deleting it", "stop it before deleting it", ""}},
      // kEnter
      {"run a process in it", {false, true, false, false}, {"start it first", "", "resume it first", "it has stopped"}},
      // kKill
      {"signal it", {true, true, true, false}, {"", "", "", "it has stopped"}},
  };
  return Check("container", id, static_cast<int>(state), ToString(state), rules[static_cast<int>(op)]);
}

Result<> ValidateId(const std::string& kind, const std::string& id) {
  if (id.empty()) return Fail(ErrorCode::kInvalidArgument, kind + " id is empty");
  if (id.size() > 64)
    return Fail(ErrorCode::kInvalidArgument,
                kind + " id is longer than 64 characters (" + std::to_string(id.size()) + ")");
  if (!std::isalnum(static_cast<unsigned char>(id[0])))
    return Fail(ErrorCode::kInvalidArgument,
                kind + " id '" + id + "' must start with a letter or a digit");
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return Fail(ErrorCode::kInvalidArgument, kind + " id '" + id +
                                                   "' may only contain letters, digits, '_', '.' and '-'");
  }
  return {};
}

}  // namespace vc
