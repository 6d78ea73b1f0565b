// sd_notify(3) without libsystemd: one datagram to the socket systemd names in $NOTIFY_SOCKET
// (READY=1 after the agent's ready line, RELOADING=1 / READY=1 around a policy reload, STOPPING=1).
#pragma once
#include <string>

namespace lsmwatch {

// Returns 0, or an errno value. An empty socket path is not an error: nothing is sent.
int SdNotify(const std::string& socket_path, const std::string& message);

}  // namespace lsmwatch
