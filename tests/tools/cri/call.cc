#include "call.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>

namespace vc::cri {

namespace pb = google::protobuf;

const pb::MethodDescriptor* FindMethod(const std::string& name) {
  const auto* pool = pb::DescriptorPool::generated_pool();
  for (const char* service : {"runtime.v1.RuntimeService", "runtime.v1.ImageService"})
    if (const auto* s = pool->FindServiceByName(service))
      if (const auto* m = s->FindMethodByName(name)) return m;
  return nullptr;
}

namespace {

MessagePtr New(const pb::Descriptor* type) {
  return MessagePtr(pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

}  // namespace

std::expected<MessagePtr, std::string> Call(const std::shared_ptr<grpc::Channel>& channel,
                                            const pb::MethodDescriptor& method,
                                            const std::string& request_json, int timeout_s) {
  auto request = New(method.input_type());
  if (auto parsed = pb::util::JsonStringToMessage(request_json.empty() ? "{}" : request_json, request.get());
      !parsed.ok())
    return std::unexpected(method.name() + ": bad request: " + parsed.ToString());
  std::string bytes;
  request->SerializeToString(&bytes);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer sent(&slice, 1);
  grpc::ByteBuffer received;
  grpc::Status status;

  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  grpc::CompletionQueue queue;
  const std::string path = "/" + method.service()->full_name() + "/" + method.name();
  auto call = stub.PrepareUnaryCall(&context, path, sent, &queue);
  call->StartCall();
  call->Finish(&received, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  queue.Next(&tag, &ok);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  if (!status.ok())
    return std::unexpected(method.name() + ": " + status.error_message() + " (gRPC code " +
                           std::to_string(status.error_code()) + ")");

  std::vector<grpc::Slice> slices;
  if (!received.Dump(&slices).ok()) return std::unexpected(method.name() + ": unreadable reply");
  std::string reply;
  for (const auto& s : slices) reply.append(reinterpret_cast<const char*>(s.begin()), s.size());
  auto response = New(method.output_type());
  if (!response->ParseFromString(reply)) return std::unexpected(method.name() + ": malformed reply");
  return response;
}

std::string ToJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string text;
  (void)pb::util::MessageToJsonString(message, &text, options);
  return text;
}

}  // namespace vc::cri
