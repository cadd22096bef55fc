// vc-cri: a small CRI client for the tests (crictl is not packaged for
// Debian 12). Any RuntimeService or ImageService method can be called with a
// JSON request; exec, execsync and attach also run the session.
//
//   vc-cri [--socket PATH] [--timeout S] call METHOD [JSON]
//   vc-cri ... execsync CONTAINER CMD...      (output as is, exits with its code)
//   vc-cri ... exec [-i] [-t] [--size COLSxROWS] CONTAINER CMD...
//   vc-cri ... attach [-i] [-t] [--size COLSxROWS] CONTAINER
//   vc-cri ... portforward POD PORT            (our stdin to the pod's port, its reply to our stdout)
#include <CLI/CLI.hpp>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <iostream>

#include "call.h"
#include "cri.pb.h"
#include "stream.h"

namespace {

using vc::cri::Call;
using vc::cri::FindMethod;

int Die(const std::string& message) {
  std::cerr << "vc-cri: " << message << "\n";
  return 2;
}

struct Session {
  std::string socket;
  int timeout_s = 120;
  std::shared_ptr<grpc::Channel> channel;

  std::expected<vc::cri::MessagePtr, std::string> Run(const std::string& method, const std::string& request_json) {
    const auto* m = FindMethod(method);
    if (!m) return std::unexpected("no CRI method " + method);
    return Call(channel, *m, request_json, timeout_s);
  }
};

bool ParseSize(const std::string& text, vc::cri::StreamOptions& o) {
  return std::sscanf(text.c_str(), "%dx%d", &o.columns, &o.rows) == 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vc-cri: call the CRI of a containerd (test client)"};
  Session s;
  app.add_option("--socket", s.socket, "the CRI socket")->envname("CRI_SOCKET")->required();
  app.add_option("--timeout", s.timeout_s, "seconds a call may take");
  app.require_subcommand(1);

  std::string method, json;
  auto* call = app.add_subcommand("call", "call METHOD with a JSON request; print the reply as JSON");
  call->add_option("method", method)->required();
  call->add_option("request", json);

  std::string container;
  std::vector<std::string> cmd;
  int64_t exec_timeout = 0;
  auto* execsync = app.add_subcommand("execsync", "run CMD in CONTAINER; its output and exit code");
  execsync->add_option("--exec-timeout", exec_timeout, "seconds (0: none)");
  execsync->add_option("container", container)->required();
  execsync->prefix_command();

  vc::cri::StreamOptions stream;
  bool tty = false;
  std::string size;
  auto* exec = app.add_subcommand("exec", "run CMD in CONTAINER through the streaming server");
  auto* attach = app.add_subcommand("attach", "attach to CONTAINER's process");
  for (auto* sub : {exec, attach}) {
    sub->add_flag("-i,--stdin", stream.stdin, "send our stdin");
    sub->add_flag("-t,--tty", tty, "a terminal");
    sub->add_option("--size", size, "terminal size COLSxROWS to send");
    sub->add_option("container", container)->required();
  }
  exec->prefix_command();
  std::string pod;
  int port = 0;
  auto* forward = app.add_subcommand("portforward", "connect our stdin and stdout to PORT in POD");
  forward->add_option("pod", pod)->required();
  forward->add_option("port", port)->required();
  CLI11_PARSE(app, argc, argv);
  // The command is every word after the container, options included.
  for (auto* sub : {execsync, exec})
    if (sub->parsed()) {
      cmd = sub->remaining();
      if (cmd.empty()) return Die(sub->get_name() + ": no command");
    }

  s.channel = grpc::CreateChannel("unix:" + s.socket, grpc::InsecureChannelCredentials());
  if (call->parsed()) {
    auto reply = s.Run(method, json);
    if (!reply) return Die(reply.error());
    std::cout << vc::cri::ToJson(**reply) << "\n";
    return 0;
  }
  if (execsync->parsed()) {
    auto reply =
        s.Run("ExecSync", nlohmann::json{{"container_id", container}, {"cmd", cmd}, {"timeout", exec_timeout}}.dump());
    if (!reply) return Die(reply.error());
    const auto& r = static_cast<const runtime::v1::ExecSyncResponse&>(**reply);
    std::cout << r.stdout() << std::flush;
    std::cerr << r.stderr() << std::flush;
    return r.exit_code();
  }
  if (forward->parsed()) {
    auto reply = s.Run("PortForward", nlohmann::json{{"pod_sandbox_id", pod}, {"port", {port}}}.dump());
    if (!reply) return Die(reply.error());
    const auto& r = static_cast<const runtime::v1::PortForwardResponse&>(**reply);
    auto code = vc::cri::PortForward(r.url(), port);
    if (!code) return Die(code.error());
    return *code;
  }
  if (!size.empty() && !ParseSize(size, stream)) return Die("--size wants COLSxROWS, not " + size);
  nlohmann::json request{{"container_id", container}, {"stdin", stream.stdin}, {"tty", tty},
                         {"stdout", true}, {"stderr", !tty}};
  if (exec->parsed()) request["cmd"] = cmd;
  auto reply = s.Run(exec->parsed() ? "Exec" : "Attach", request.dump());
  if (!reply) return Die(reply.error());
  const auto* url_field = (*reply)->GetDescriptor()->FindFieldByName("url");
  auto code = vc::cri::Stream((*reply)->GetReflection()->GetString(**reply, url_field), stream);
  if (!code) return Die(code.error());
  return *code;
}
