// The library API as an embedding program uses it, against real VMs.
// Needs root, QEMU and a build (VC_BUILD, VC_SOURCE set by ctest).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "vc/vc.h"

namespace vc {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class LibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    build_ = Env("VC_BUILD");
    ASSERT_FALSE(build_.empty()) << "VC_BUILD is not set: run through ctest";
    ASSERT_EQ(::geteuid(), 0u) << "the library tests need root (mounts, VMs)";
    char tmpl[] = "/tmp/vc-libtest.XXXXXX";
    work_ = ::mkdtemp(tmpl);
    rootfs_ = work_ + "/rootfs";
    std::string make = "bash " + Env("VC_SOURCE") + "/scripts/make-rootfs.sh " + rootfs_;
    ASSERT_EQ(std::system(make.c_str()), 0) << make;
    runtime_ = std::make_unique<Runtime>(RuntimeOptions{work_ + "/root", build_ + "/bin/vc-supervisor"});
  }
  void TearDown() override {
    if (runtime_) {
      if (auto list = runtime_->ListSandbox()) {
        for (const auto& s : *list) {
          (void)runtime_->StopSandbox(s.id);
          (void)runtime_->DeleteSandbox(s.id);
        }
      }
    }
    std::filesystem::remove_all(work_);
  }

  SandboxConfig Sandbox(const std::string& id, std::vector<std::string> args) {
    SandboxConfig config;
    config.id = id;
    // The initramfs: the one beside the kernel.
    const char* kernel = std::getenv("VC_GUEST_KERNEL");
    config.hypervisor.kernel_path = kernel ? kernel : build_ + "/guest/vmlinux";
    ContainerConfig c;
    c.id = "main";
    c.rootfs = rootfs_;
    c.cmd.args = std::move(args);
    c.cmd.env = {"PATH=/bin"};
    config.containers = {c};
    return config;
  }

  static std::string ReadAll(Process& p, bool err = false) {
    std::string out;
    for (;;) {
      auto chunk = err ? p.ReadStderr() : p.ReadStdout();
      EXPECT_TRUE(chunk) << chunk.error().message;
      if (!chunk) return out;
      out += chunk->data;
      if (chunk->eof) return out;
    }
  }

  std::string build_, work_, rootfs_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(LibraryTest, StdioOfTheInitProcess) {
  auto sb = runtime_->RunSandbox(Sandbox("lib1", {"sh", "-c", "read x; echo got $x; echo oops >&2; exit 3"}));
  ASSERT_TRUE(sb) << sb.error().message;
  EXPECT_EQ(sb->state, SandboxState::kRunning);
  // KVM when /dev/kvm opens, unless it is PVM's (see hypervisor/qemu/accel.h).
  const bool kvm = ::access("/dev/kvm", R_OK | W_OK) == 0 && ::access("/sys/module/kvm_pvm", F_OK) != 0;
  EXPECT_EQ(sb->accel, kvm ? "kvm" : "tcg");
  auto init = runtime_->AttachProcess("lib1", "main");
  ASSERT_TRUE(init) << init.error().message;
  ASSERT_TRUE((*init)->WriteStdin("hello\n"));
  ASSERT_TRUE((*init)->CloseStdin());
  EXPECT_EQ(ReadAll(**init), "got hello\n");
  EXPECT_EQ(ReadAll(**init, true), "oops\n");
  auto status = (*init)->Wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 3);
  auto c = runtime_->StatusContainer("lib1", "main");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->state, ContainerState::kStopped);
  EXPECT_EQ(c->exit_status, 3);
}

TEST_F(LibraryTest, ExecProcessesAreForgottenOnceCollected) {
  ASSERT_TRUE(runtime_->RunSandbox(Sandbox("lib2", {"sleep", "1000"})));
  Cmd cmd;
  cmd.args = {"sh", "-c", "echo from-exec; exit 4"};
  cmd.env = {"PATH=/bin"};
  auto exec = runtime_->EnterContainer("lib2", "main", cmd);
  ASSERT_TRUE(exec) << exec.error().message;
  std::string exec_id = (*exec)->exec_id();
  EXPECT_FALSE(exec_id.empty());
  auto status = (*exec)->Wait();
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 4);
  // Still known until its output is read to the end...
  EXPECT_TRUE(runtime_->AttachProcess("lib2", "main", exec_id));
  EXPECT_EQ(ReadAll(**exec), "from-exec\n");
  EXPECT_EQ(ReadAll(**exec, true), "");
  // ...then the agent lets it go.
  auto gone = runtime_->AttachProcess("lib2", "main", exec_id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);

  auto stats = runtime_->StatsContainer("lib2", "main");
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->pids, 1u);
  EXPECT_GT(stats->memory_bytes, 0u);
}

TEST_F(LibraryTest, LifecycleErrorsAreSpecific) {
  auto created = runtime_->CreateSandbox(Sandbox("lib3", {"true"}));
  ASSERT_TRUE(created);
  auto dup = runtime_->CreateSandbox(Sandbox("lib3", {"true"}));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
  auto stop = runtime_->StopSandbox("lib3");
  ASSERT_FALSE(stop);
  EXPECT_EQ(stop.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stop.error().message, "stop sandbox lib3: sandbox lib3 is ready: cannot stop it (it was never started)");
  ASSERT_TRUE(runtime_->DeleteSandbox("lib3"));
  auto list = runtime_->ListSandbox();
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->empty());
}

}  // namespace
}  // namespace vc
