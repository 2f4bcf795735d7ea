// One BPF object file: configure before load, load, attach, map access, close.
// Plain C++ over libbpf; errors are BpfError exceptions carrying errno.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

struct bpf_object;
struct bpf_link;
struct bpf_map;

namespace ebpipe {

class BpfError : public std::runtime_error {
 public:
  BpfError(const std::string &what, int error_number) : std::runtime_error(what), error_number_(error_number) {}
  int error_number() const { return error_number_; }

 private:
  int error_number_;
};

struct ProgramInfo {
  std::string name;
  std::string section;
  bool autoload;
  bool attached;
  // Kernel program id once loaded (0 before), as bpftool prog show lists it.
  uint32_t id;
};

class BpfObject {
 public:
  explicit BpfObject(const std::string &path);
  ~BpfObject();
  BpfObject(const BpfObject &) = delete;
  BpfObject &operator=(const BpfObject &) = delete;

  // Before Load().
  void SetGlobal(const std::string &name, const void *value, size_t size);
  void SetMaxEntries(const std::string &map_name, uint32_t max_entries);
  void ReuseMap(const std::string &map_name, const BpfObject &owner);
  void SetAutoload(const std::string &program_name, bool autoload);

  void Load();
  // Attaches every program that was loaded; returns their names.
  std::vector<std::string> Attach();
  void Detach();
  void Close();

  std::vector<ProgramInfo> Programs() const;
  int MapFd(const std::string &map_name) const;
  // Size of one value as user space sees it (per-CPU maps: one CPU's share).
  uint32_t MapValueSize(const std::string &map_name) const;
  uint32_t MapKeySize(const std::string &map_name) const;
  // Bytes a lookup returns: per-CPU maps give one 8-byte-aligned value per possible CPU.
  size_t MapLookupSize(const std::string &map_name) const;
  bool IsLoaded() const { return loaded_; }

  void MapUpdate(const std::string &map_name, const void *key, size_t key_size, const void *value,
                 size_t value_size, uint64_t flags);
  bool MapLookup(const std::string &map_name, const void *key, size_t key_size, void *value, size_t value_size) const;
  bool MapDelete(const std::string &map_name, const void *key, size_t key_size);
  // Every key of a hash or trie map at the time of the walk (entries added meanwhile may be missed).
  std::vector<std::vector<uint8_t>> MapKeys(const std::string &map_name) const;

 private:
  struct bpf_map *FindMap(const std::string &map_name) const;
  void RequireOpen(const char *operation) const;
  void RequireNotLoaded(const char *operation) const;

  std::string path_;
  struct bpf_object *object_ = nullptr;
  std::vector<struct bpf_link *> links_;
  std::vector<std::string> attached_;
  bool loaded_ = false;
};

// How many CPUs per-CPU map values are sized for.
int PossibleCpuCount();

}  // namespace ebpipe
