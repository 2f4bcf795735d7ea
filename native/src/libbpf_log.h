// Captures libbpf's messages so that a failed load can say why (verifier log, missing BTF, EPERM).
#pragma once

#include <string>

namespace ebpipe {

// Installs the capture once; idempotent.
void InstallLibbpfLog();

// The captured messages since the last call, then forgets them.
std::string TakeLibbpfLog();

}  // namespace ebpipe
