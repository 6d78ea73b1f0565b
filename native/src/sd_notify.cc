#include "sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace lsmwatch {

int SdNotify(const std::string& socket_path, const std::string& message) {
  if (socket_path.empty()) return 0;
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  // "@name" is an abstract socket: a leading NUL and no terminator.
  bool abstract = socket_path[0] == '@';
  if (socket_path[0] != '/' && !abstract) return EAFNOSUPPORT;
  if (socket_path.size() >= sizeof(addr.sun_path)) return ENAMETOOLONG;
  memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  if (abstract) addr.sun_path[0] = '\0';
  socklen_t len = static_cast<socklen_t>(offsetof(struct sockaddr_un, sun_path) + socket_path.size() + (abstract ? 0 : 1));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ssize_t sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<struct sockaddr*>(&addr), len);
  int err = sent < 0 ? errno : 0;
  close(fd);
  return err;
}

}  // namespace lsmwatch
