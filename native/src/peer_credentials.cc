#include "peer_credentials.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "bpf_object.h"

namespace ebpipe {

PeerCredentials GetPeerCredentials(int socket_fd) {
  struct ucred cred = {};
  socklen_t length = sizeof(cred);
  if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0)
    throw BpfError(std::string("reading peer credentials: ") + strerror(errno), errno);
  return {cred.pid, cred.uid, cred.gid};
}

}  // namespace ebpipe
