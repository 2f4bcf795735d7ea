// Policy enforcement on this host's kernel (root): the tests of test/policy/enforcement-suite.ts
// with the variant this kernel allows (without BPF LSM programs: syscall-exit tracepoints,
// SIGKILL before the process returns to user space; Override refused at load time).
import './policy/enforcement-suite.js';
