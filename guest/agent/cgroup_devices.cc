// linux.resources.devices on cgroup v2: an eBPF program of type
// CGROUP_DEVICE attached to the container's cgroup, which the kernel asks for
// every device open and mknod. The rules are the spec's followed by the ones
// runc always adds (the default device nodes, ptys, tun), and the last rule
// that matches decides, as in cgroup v1's device lists; nothing matching is
// a denial.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

#include "cgroup.h"
#include "os/error.h"
#include "os/fd.h"

namespace vc::agent::cgroup {

namespace {

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}
bpf_insn LoadWord(uint8_t dst, uint8_t src, int16_t off) { return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0); }
bpf_insn Mov32(uint8_t dst, uint8_t src) { return Insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn Alu32(uint8_t op, uint8_t dst, int32_t imm) { return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm); }
bpf_insn JumpIfNot(uint8_t reg, int32_t imm) { return Insn(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, imm); }
bpf_insn Return(int32_t value) { return Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value); }
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers the program keeps the request in.
constexpr uint8_t kType = BPF_REG_3, kAccess = BPF_REG_4, kMajor = BPF_REG_5, kMinor = BPF_REG_6, kTmp = BPF_REG_7;

int32_t AccessBits(const std::string& access) {
  if (access.empty()) return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  int32_t bits = 0;
  for (char c : access) {
    if (c == 'r') bits |= BPF_DEVCG_ACC_READ;
    if (c == 'w') bits |= BPF_DEVCG_ACC_WRITE;
    if (c == 'm') bits |= BPF_DEVCG_ACC_MKNOD;
  }
  return bits;
}

// One rule: jumps to the next block unless the request matches, then returns
// the rule's verdict.
std::vector<bpf_insn> Block(const oci::DeviceRule& rule) {
  std::vector<bpf_insn> block;
  if (rule.type == "c" || rule.type == "b")
    block.push_back(JumpIfNot(kType, rule.type == "c" ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
  const int32_t allowed = AccessBits(rule.access);
  if (allowed != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
    // Matches only if every access asked for is among the rule's.
    block.push_back(Mov32(kTmp, kAccess));
    block.push_back(Alu32(BPF_AND, kTmp, ~allowed));
    block.push_back(JumpIfNot(kTmp, 0));
  }
  if (rule.major && *rule.major >= 0) block.push_back(JumpIfNot(kMajor, static_cast<int32_t>(*rule.major)));
  if (rule.minor && *rule.minor >= 0) block.push_back(JumpIfNot(kMinor, static_cast<int32_t>(*rule.minor)));
  block.push_back(Return(rule.allow ? 1 : 0));
  block.push_back(Exit());
  for (size_t i = 0; i < block.size(); ++i)
    if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) block[i].off = static_cast<int16_t>(block.size() - i - 1);
  return block;
}

oci::DeviceRule Allow(const char* type, int64_t major, int64_t minor, const char* access) {
  oci::DeviceRule r;
  r.allow = true;
  r.type = type;
  if (major >= 0) r.major = major;
  if (minor >= 0) r.minor = minor;
  r.access = access;
  return r;
}

std::vector<bpf_insn> Program(std::vector<oci::DeviceRule> rules) {
  // What runc allows whatever the spec says (mknod of any node; the default
  // nodes, the console, ptys, tun).
  for (auto r : {Allow("c", -1, -1, "m"), Allow("b", -1, -1, "m"), Allow("c", 1, 3, "rwm"), Allow("c", 1, 8, "rwm"),
                 Allow("c", 1, 7, "rwm"), Allow("c", 5, 0, "rwm"), Allow("c", 1, 5, "rwm"), Allow("c", 1, 9, "rwm"),
                 Allow("c", 5, 1, "rwm"), Allow("c", 136, -1, "rwm"), Allow("c", 5, 2, "rwm"), Allow("c", 10, 200, "rwm")})
    rules.push_back(r);
  std::vector<bpf_insn> prog = {
      LoadWord(BPF_REG_2, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Mov32(kType, BPF_REG_2),
      Alu32(BPF_AND, kType, 0xffff),
      Mov32(kAccess, BPF_REG_2),
      Alu32(BPF_RSH, kAccess, 16),
      LoadWord(kMajor, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadWord(kMinor, BPF_REG_1, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  // The last rule that matches wins: test them from the last. A rule that
  // matches everything ends the program (the verifier refuses dead code).
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    auto block = Block(*it);
    prog.insert(prog.end(), block.begin(), block.end());
    if (block.size() == 2) return prog;
  }
  prog.push_back(Return(0));
  prog.push_back(Exit());
  return prog;
}

}  // namespace

Result<> SetDevices(const std::string& dir, const std::vector<oci::DeviceRule>& rules) {
  for (const auto& r : rules)
    if (!r.type.empty() && r.type != "a" && r.type != "c" && r.type != "b")
      return Fail(ErrorCode::kInvalidArgument, "linux.resources.devices: type '" + r.type + "' is not a, c or b");
  const std::vector<bpf_insn> prog = Program(rules);
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<uint64_t>(prog.data());
    attr.insn_cnt = static_cast<uint32_t>(prog.size());
    attr.license = reinterpret_cast<uint64_t>("Apache-2.0");
    attr.log_buf = reinterpret_cast<uint64_t>(log);
    attr.log_size = log_size;
    attr.log_level = log ? 1 : 0;
    return os::Fd(static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr)));
  };
  os::Fd program = load(nullptr, 0);
  if (!program) {
    // Again with the verifier's log, for the message (its end says why).
    const int err = errno;
    std::vector<char> log(1 << 16);
    (void)load(log.data(), static_cast<uint32_t>(log.size()));
    std::string said(log.data());
    if (said.size() > 300) said = said.substr(said.size() - 300);
    return os::FailErrno("load the device filter" + (said.empty() ? "" : " (" + said + ")"), err);
  }
  os::Fd cgroup(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!cgroup) return os::FailErrno("open " + dir);
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(cgroup.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(program.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  if (::syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach) != 0)
    return os::FailErrno("attach the device filter to " + dir);
  return {};  // the cgroup holds the program now
}

}  // namespace vc::agent::cgroup
