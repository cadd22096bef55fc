#include "service.h"

#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "agent.pb.h"
#include "protocol/net_messages.h"
#include "cpus.h"
#include "disks.h"
#include "guest_stats.h"
#include "pci.h"
#include "init.h"
#include "modules.h"
#include "network.h"
#include "os/build_info.h"
#include "os/error.h"
#include "os/file.h"

namespace vc::agent {

namespace {

namespace pb = vc::agent::v1;

using ttrpc::Typed;

// How long a container's disks may take to appear after the host attached them.
constexpr std::chrono::seconds kDiskTimeout{20};

template <typename T>
asio::awaitable<Result<T>> Ready(Result<T> r) {
  co_return r;
}

Result<pb::Empty> Done(const Result<>& r) {
  if (!r) return std::unexpected(r.error());
  return pb::Empty{};
}

}  // namespace

void AgentService::Register(ttrpc::MethodTable& table) {
  auto add = [&](const char* method, ttrpc::Handler h) { table.Add(kServiceName, method, h); };
  Containers& cs = containers_;

  add("Check", Typed<pb::Empty>([](const pb::Empty&) {
        pb::CheckResponse r;
        r.set_agent_version(os::kVersion);
        r.set_agent_commit(os::BuildCommit());
        utsname u{};
        ::uname(&u);
        r.set_kernel_release(u.release);
        r.set_uptime_usec(UptimeUsec());
        r.set_agent_start_uptime_usec(AgentStartUptimeUsec());
        if (auto statm = os::ReadFile("/proc/self/statm")) {
          unsigned long size = 0, resident = 0;
          if (std::sscanf(statm->c_str(), "%lu %lu", &size, &resident) == 2)
            r.set_agent_rss_bytes(static_cast<uint64_t>(resident) * ::sysconf(_SC_PAGESIZE));
        }
        return Ready<pb::CheckResponse>(r);
      }));

  add("GuestStats", Typed<pb::Empty>([](const pb::Empty&) {
        return Ready<pb::GuestStatsResponse>(CollectGuestStats());
      }));

  add("CreateSandbox", Typed<pb::CreateSandboxRequest>([this](const pb::CreateSandboxRequest& req) {
        SetLogSandbox(req.sandbox_id());
        auto run = [&]() -> Result<> {
          const std::string& host = req.hostname();
          if (!host.empty() && ::sethostname(host.data(), host.size()) != 0)
            return os::FailErrno("sethostname " + host);
          if (auto r = Reseed(req.entropy()); !r) return r;
          if (req.realtime_ns() > 0) {
            timespec now{static_cast<time_t>(req.realtime_ns() / 1'000'000'000),
                         static_cast<long>(req.realtime_ns() % 1'000'000'000)};
            if (::clock_settime(CLOCK_REALTIME, &now) != 0) return os::FailErrno("set the clock");
          }
          for (const auto& s : req.storages()) {
            if (s.driver() != "virtiofs" && s.driver() != "9p")
              return Fail(ErrorCode::kInvalidArgument, "unsupported storage driver " + s.driver());
            if (auto r = os::MakeDirs(s.mount_point(), 0755); !r) return r;
            std::string data;
            for (const auto& o : s.options()) data += (data.empty() ? "" : ",") + o;
            if (::mount(s.source().c_str(), s.mount_point().c_str(), s.driver().c_str(), 0,
                        data.empty() ? nullptr : data.c_str()) != 0) {
              if (errno == ENODEV)
                return Fail(ErrorCode::kUnavailable, "the guest kernel has no " + s.driver() +
                                                         " file system (Debian's cloud kernel has no 9p: use "
                                                         "shared_fs = \"virtio-fs\" or the lean kernel)");
              return os::FailErrno("mount " + s.driver() + " " + s.source() + " on " + s.mount_point());
            }
            mounts_.push_back(s.mount_point());
          }
          return {};
        };
        return Ready(Done(run()));
      }));

  add("DestroySandbox", Typed<pb::Empty>([this](const pb::Empty&) {
        containers_.KillAll();
        for (auto it = mounts_.rbegin(); it != mounts_.rend(); ++it)
          ::umount2(it->c_str(), MNT_DETACH);
        // Whatever the guest still holds reaches its devices before the
        // reply: the host may end the VM as soon as it has it.
        ::sync();
        // Else power off once the reply has had time to leave.
        auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
        timer->async_wait([timer](const asio::error_code&) { PowerOff(); });
        return Ready<pb::Empty>(pb::Empty{});
      }));

  // Its devices and disks first: a hot-plugged one appears in the guest a moment after the host added it.
  add("CreateContainer",
      Typed<pb::CreateContainerRequest>([&cs](pb::CreateContainerRequest req) -> asio::awaitable<Result<pb::Empty>> {
        auto spec = oci::Parse(req.oci_spec_json());
        if (!spec) co_return std::unexpected(spec.error());
        std::vector<disks::Mount> wanted;
        for (const auto& s : req.storages())
          wanted.push_back({s.driver(), s.source(), s.fstype(), {s.options().begin(), s.options().end()},
                            s.mount_point(), s.device_path()});
        std::vector<pci::Passthrough> passed;
        for (const auto& d : req.devices()) {
          if (d.type() != "vfio-pci")
            co_return Fail(ErrorCode::kInvalidArgument, "container " + req.container_id() + ": device type '" +
                                                            d.type() + "': only vfio-pci");
          passed.push_back({d.address(), d.container_path()});
        }
        if (auto arrived = co_await pci::WaitAll(passed, kDiskTimeout); !arrived)
          co_return std::unexpected(arrived.error().Wrap("container " + req.container_id()));
        pci::DropHostNodes(*spec, passed);
        auto attached = co_await disks::MountAll(std::move(wanted), kDiskTimeout);
        if (!attached) co_return std::unexpected(attached.error().Wrap("container " + req.container_id()));
        disks::Renumber(*spec, attached->devices);
        co_return Done(cs.Create(req.container_id(), std::move(*spec), std::move(attached->mount_points)));
      }));
  add("StartContainer", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        return Ready(Done(cs.Start(req.container_id())));
      }));
  add("RemoveContainer", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        return Ready(Done(cs.Remove(req.container_id())));
      }));
  add("PauseContainer", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        return Ready(Done(cs.Pause(req.container_id())));
      }));
  add("ResumeContainer", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        return Ready(Done(cs.Resume(req.container_id())));
      }));
  add("StatsContainer", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        auto stats = cs.Stats(req.container_id());
        if (!stats) return Ready<pb::StatsContainerResponse>(std::unexpected(stats.error()));
        pb::StatsContainerResponse r;
        r.set_cpu_usage_usec(stats->cpu_usage_usec);
        r.set_memory_usage_bytes(stats->memory_bytes);
        r.set_pids_current(stats->pids);
        r.set_memory_limit_bytes(stats->memory_limit_bytes);
        r.set_pids_limit(stats->pids_limit);
        return Ready<pb::StatsContainerResponse>(r);
      }));
  add("UpdateContainer", Typed<pb::UpdateContainerRequest>([&cs](const pb::UpdateContainerRequest& req) {
        auto resources = oci::ParseResources(req.resources_json());
        if (!resources) return Ready<pb::Empty>(std::unexpected(resources.error()));
        return Ready(Done(cs.Update(req.container_id(), *resources)));
      }));
  add("OnlineCpus", Typed<pb::OnlineCpusRequest>(
                        [](pb::OnlineCpusRequest req) -> asio::awaitable<Result<pb::OnlineCpusResponse>> {
                          // The guest sees a hot-plugged vCPU a moment after QEMU added it.
                          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                          for (;;) {
                            auto online = OnlineCpus();
                            if (!online) co_return std::unexpected(online.error());
                            if (*online >= req.count()) {
                              pb::OnlineCpusResponse r;
                              r.set_online(*online);
                              co_return r;
                            }
                            if (std::chrono::steady_clock::now() > deadline)
                              co_return Fail(ErrorCode::kDeadlineExceeded,
                                             std::to_string(*online) + " of " + std::to_string(req.count()) +
                                                 " vCPUs came online within 10 s");
                            asio::steady_timer tick(co_await asio::this_coro::executor, std::chrono::milliseconds(20));
                            co_await tick.async_wait(vc::kTuple);
                          }
                        }));
  add("ListPids", Typed<pb::ContainerRequest>([&cs](const pb::ContainerRequest& req) {
        auto pids = cs.Pids(req.container_id());
        if (!pids) return Ready<pb::ListPidsResponse>(std::unexpected(pids.error()));
        pb::ListPidsResponse r;
        for (pid_t pid : *pids) r.add_pids(pid);
        return Ready<pb::ListPidsResponse>(r);
      }));
  add("TtyWinResize", Typed<pb::TtyWinResizeRequest>([&cs](const pb::TtyWinResizeRequest& req) {
        auto clamp = [](uint32_t v) { return static_cast<uint16_t>(std::min<uint32_t>(v, 0xffff)); };
        return Ready(Done(cs.ResizeTerminal(req.container_id(), req.exec_id(), clamp(req.rows()),
                                            clamp(req.columns()))));
      }));
  add("GetOOMEvent", Typed<pb::Empty>([&cs](const pb::Empty&) -> asio::awaitable<Result<pb::OOMEvent>> {
        pb::OOMEvent r;
        r.set_container_id(co_await cs.oom().Next());
        co_return r;
      }));
  add("ExecProcess", Typed<pb::ExecProcessRequest>([&cs](const pb::ExecProcessRequest& req) {
        auto process = oci::ParseProcess(req.process_json());
        if (!process) return Ready<pb::Empty>(std::unexpected(process.error()));
        return Ready(Done(cs.Exec(req.container_id(), req.exec_id(), std::move(*process))));
      }));
  add("SignalProcess", Typed<pb::SignalProcessRequest>([&cs](const pb::SignalProcessRequest& req) {
        return Ready(Done(cs.Signal(req.container_id(), req.exec_id(),
                                    static_cast<int>(req.signal()), req.all())));
      }));

  add("WaitProcess", Typed<pb::ProcessRequest>(
                         [&cs](const pb::ProcessRequest& req)
                             -> asio::awaitable<Result<pb::WaitProcessResponse>> {
                           auto p = cs.Find(req.container_id(), req.exec_id());
                           if (!p) co_return std::unexpected(p.error());
                           auto process = *p;
                           while (!process->exited) co_await process->exit_changed.Wait();
                           pb::WaitProcessResponse r;
                           r.set_status(process->exit_status);
                           process->waited = true;
                           cs.Collected(process);
                           co_return r;
                         }));
  add("ProcessState", Typed<pb::ProcessRequest>([&cs](const pb::ProcessRequest& req) {
        auto p = cs.Find(req.container_id(), req.exec_id());
        if (!p) return Ready<pb::ProcessStateResponse>(std::unexpected(p.error()));
        pb::ProcessStateResponse r;
        r.set_running((*p)->started && !(*p)->exited);
        r.set_pid((*p)->pid);
        r.set_exit_status((*p)->exit_status);
        r.set_exited((*p)->exited);
        return Ready<pb::ProcessStateResponse>(r);
      }));

  add("WriteStdin", Typed<pb::WriteStreamRequest>(
                        [&cs](const pb::WriteStreamRequest& req)
                            -> asio::awaitable<Result<pb::WriteStreamResponse>> {
                          auto p = cs.Find(req.container_id(), req.exec_id());
                          if (!p) co_return std::unexpected(p.error());
                          auto process = *p;
                          if (!process->stdin_w || !process->stdin_w->is_open())
                            co_return Fail(ErrorCode::kFailedPrecondition, "stdin is closed");
                          auto [ec, n] = co_await asio::async_write(
                              *process->stdin_w, asio::buffer(req.data()),
                              vc::kTuple);
                          if (ec) co_return Fail(ErrorCode::kUnavailable, "write stdin: " + ec.message());
                          pb::WriteStreamResponse r;
                          r.set_len(static_cast<uint32_t>(n));
                          co_return r;
                        }));
  add("CloseStdin", Typed<pb::ProcessRequest>([&cs](const pb::ProcessRequest& req) {
        auto p = cs.Find(req.container_id(), req.exec_id());
        if (!p) return Ready<pb::Empty>(std::unexpected(p.error()));
        if ((*p)->stdin_w) {
          asio::error_code ignored;
          (*p)->stdin_w->close(ignored);
        }
        return Ready<pb::Empty>(pb::Empty{});
      }));

  auto read_stream = [&cs](bool stderr_stream) {
    return Typed<pb::ReadStreamRequest>(
        [&cs, stderr_stream](const pb::ReadStreamRequest& req)
            -> asio::awaitable<Result<pb::ReadStreamResponse>> {
          auto p = cs.Find(req.container_id(), req.exec_id());
          if (!p) co_return std::unexpected(p.error());
          auto process = *p;
          auto buffer = stderr_stream ? process->err : process->out;
          size_t max = req.len() ? std::min<size_t>(req.len(), 1 << 20) : 64 * 1024;
          auto [data, eof] = co_await buffer->Read(max);
          if (eof) {
            (stderr_stream ? process->stderr_drained : process->stdout_drained) = true;
            cs.Collected(process);
          }
          pb::ReadStreamResponse r;
          r.set_data(std::move(data));
          r.set_eof(eof);
          co_return r;
        });
  };
  add("ReadStdout", read_stream(false));
  add("ReadStderr", read_stream(true));

  // A hot-plugged NIC appears a moment after the host added it: wait for it.
  add("UpdateInterface", Typed<pb::Interface>([this](const pb::Interface& req)
                                                  -> asio::awaitable<Result<pb::Interface>> {
        asio::steady_timer timer(io_);
        if (auto loaded = LoadNetModules(); !loaded) co_return std::unexpected(loaded.error());
        for (int tries = 0;; ++tries) {
          auto r = ConfigureInterface(FromMessage(req));
          if (r) co_return ToMessage(*r);
          if (r.error().code != ErrorCode::kNotFound || tries >= 200) co_return std::unexpected(r.error());
          timer.expires_after(std::chrono::milliseconds(50));
          co_await timer.async_wait(asio::use_awaitable);
        }
      }));
  add("UpdateRoutes", Typed<pb::Routes>([](const pb::Routes& req) {
        return Ready(Done(AddRoutes(FromMessage(req))));
      }));
  add("AddARPNeighbors", Typed<pb::Neighbors>([](const pb::Neighbors& req) {
        return Ready(Done(AddNeighbors(FromMessage(req))));
      }));
  add("ListInterfaces", Typed<pb::Empty>([](const pb::Empty&) -> asio::awaitable<Result<pb::Interfaces>> {
        auto r = ListInterfaces();
        if (!r) co_return std::unexpected(r.error());
        co_return ToMessage(*r);
      }));
  add("GetVolumeStats", Typed<pb::VolumeStatsRequest>([](const pb::VolumeStatsRequest& req) {
        auto stats = disks::Stats(req.guest_path());
        if (!stats) return Ready<pb::VolumeStatsResponse>(std::unexpected(stats.error()));
        pb::VolumeStatsResponse r;
        r.set_capacity_bytes(stats->capacity_bytes);
        r.set_used_bytes(stats->used_bytes);
        r.set_available_bytes(stats->available_bytes);
        r.set_inodes(stats->inodes);
        r.set_inodes_used(stats->inodes_used);
        return Ready<pb::VolumeStatsResponse>(r);
      }));
  add("ResizeVolume", Typed<pb::ResizeVolumeRequest>(
                         [](pb::ResizeVolumeRequest req) -> asio::awaitable<Result<pb::Empty>> {
                           co_return Done(co_await disks::Grow(req.guest_path(), req.bytes(), kDiskTimeout));
                         }));
  add("ForwardOpen", Typed<pb::ForwardOpenRequest>(
                        [this](pb::ForwardOpenRequest req) -> asio::awaitable<Result<pb::ForwardOpenResponse>> {
                          auto id = co_await forwards_.Open(req.port());
                          if (!id) co_return std::unexpected(id.error());
                          pb::ForwardOpenResponse r;
                          r.set_id(*id);
                          co_return r;
                        }));
  add("ForwardWrite", Typed<pb::ForwardWriteRequest>(
                         [this](pb::ForwardWriteRequest req) -> asio::awaitable<Result<pb::Empty>> {
                           co_return Done(co_await forwards_.Write(req.id(), std::move(*req.mutable_data()),
                                                                   req.close_write()));
                         }));
  add("ForwardRead", Typed<pb::ForwardRequest>(
                        [this](pb::ForwardRequest req) -> asio::awaitable<Result<pb::ForwardReadResponse>> {
                          auto read = co_await forwards_.Read(req.id());
                          if (!read) co_return std::unexpected(read.error());
                          pb::ForwardReadResponse r;
                          r.set_data(std::move(read->first));
                          r.set_eof(read->second);
                          co_return r;
                        }));
  add("ForwardClose", Typed<pb::ForwardRequest>([this](const pb::ForwardRequest& req) {
        forwards_.Close(req.id());
        return Ready<pb::Empty>(pb::Empty{});
      }));
  add("LoadModule", Typed<pb::LoadModuleRequest>([](const pb::LoadModuleRequest& req) {
        return Ready(Done(LoadModule(req.name(), req.image(), req.parameters())));
      }));
  add("ListRoutes", Typed<pb::Empty>([](const pb::Empty&) -> asio::awaitable<Result<pb::Routes>> {
        auto r = ListRoutes();
        if (!r) co_return std::unexpected(r.error());
        co_return ToMessage(*r);
      }));
}

}  // namespace vc::agent
