// One unary CRI call, named by its method: the request message is built from
// JSON (the protobuf JSON mapping of the CRI messages) and sent through
// gRPC's generic stub.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/channel.h>

#include <expected>
#include <memory>
#include <string>

namespace vc::cri {

using MessagePtr = std::unique_ptr<google::protobuf::Message>;

// The method of RuntimeService or ImageService called `name`, or null.
const google::protobuf::MethodDescriptor* FindMethod(const std::string& name);

// Sends `request_json` to `method` and waits at most `timeout_s` for the reply.
std::expected<MessagePtr, std::string> Call(const std::shared_ptr<grpc::Channel>& channel,
                                            const google::protobuf::MethodDescriptor& method,
                                            const std::string& request_json, int timeout_s);

// The message as one line of JSON, with the proto's field names and zero values shown.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace vc::cri
