// The pod sandbox's placeholder process (what Kubernetes' pause image runs):
// holds the pod's namespaces, reaps orphans, exits 0 on SIGINT or SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

void Leave(int) { _exit(0); }

void Reap(int) {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

}  // namespace

int main() {
  struct sigaction leave {}, reap {};
  leave.sa_handler = Leave;
  reap.sa_handler = Reap;
  reap.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGINT, &leave, nullptr);
  sigaction(SIGTERM, &leave, nullptr);
  sigaction(SIGCHLD, &reap, nullptr);
  for (;;) pause();
}
