// Runs inside a container as root and tries the classic chroot escape: chroot
// into a subdirectory while keeping a handle above it, climb "..", and look
// for the guest's files (the agent at /init, the shared directory of all
// containers). Prints "contained" (exit 0) or "escaped: <what>" (exit 1).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <initializer_list>

int main() {
  ::mkdir("/.escape", 0700);
  int above = ::open("/", O_RDONLY | O_DIRECTORY);
  if (above < 0 || ::chroot("/.escape") != 0 || ::fchdir(above) != 0) {
    std::puts("contained (could not even try)");
    return 0;
  }
  for (int i = 0; i < 64; ++i) (void)::chdir("..");
  if (::chroot(".") != 0) return 2;
  for (const char* guest_file : {"/init", "/run/vc/shared", "/sys/fs/cgroup/vc"}) {
    if (::access(guest_file, F_OK) == 0) {
      std::printf("escaped: %s is reachable\n", guest_file);
      return 1;
    }
  }
  std::puts("contained");
  return 0;
}
