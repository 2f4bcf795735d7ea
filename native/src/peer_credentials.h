// Who is at the other end of a Unix socket: the agent's control socket names the user
// behind every policy change in its audit events.
#pragma once

#include <cstdint>

namespace ebpipe {

struct PeerCredentials {
  int32_t pid;
  uint32_t uid;
  uint32_t gid;
};

// SO_PEERCRED: the peer as the kernel saw it at connect(). Throws BpfError with errno on failure.
PeerCredentials GetPeerCredentials(int socket_fd);

}  // namespace ebpipe
