// The floor for start-up benchmarks: an init that powers the VM off at once,
// so a bare QEMU boot of the guest kernel to user space can be timed.
#include <sys/reboot.h>
#include <unistd.h>

int main() {
  ::reboot(RB_POWER_OFF);
  for (;;) ::pause();
}
