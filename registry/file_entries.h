// The file registry's store (registry/file_registry.h; layout and rules in docs/registry.md,
// "The file registry"): entry files, their owners' liveness and the directory scans that read
// them. Used by the file backend and nothing else; not part of the public API. Functions are
// thread-safe; a LivenessProbe or DirCache belongs to one thread at a time.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "common/url.h"
#include "registry/internal.h"

namespace dubbo::registry::internal {

// Answers "is this owner alive?" once per pid for one scan pass.
class LivenessProbe {
 public:
  bool Alive(const EntryOwner& o);

 private:
  struct Info {
    bool exists = false;
    bool start_known = false;
    uint64_t start = 0;
  };
  static Info Probe(pid_t pid);
  std::unordered_map<pid_t, Info> memo_;
};

// What the calling process writes for `url`: the URL, and its owner line when ephemeral.
std::string EntryContent(const Url& url, bool ephemeral);

// Whether an entry is live: persistent, or one of its owners is alive.
bool EntryAlive(const Entry& e, LivenessProbe* probe);

// Reads an entry through `dirfd`; `st` gets the stat of the file actually read. kNotFound when
// it is gone.
Result<Entry> ReadEntry(int dirfd, const char* name, struct stat* st);

bool SameFile(const struct stat& a, const struct stat& b);

// What a scan remembers about one file, so unchanged files are not re-read every pass and a
// corrupt one is reported once per version, not once per pass.
struct CachedFile {
  struct stat st {};
  std::optional<Entry> entry;  // nullopt: corrupt or unreadable (already warned)
  bool unlink_warned = false;
};
using DirCache = std::unordered_map<std::string, CachedFile>;

// Appends the live entries of `dir` to `out`. Entries whose owner is gone are unlinked (if
// the file is still the one read: a live re-registration may have replaced it since); corrupt
// ones are skipped with a warning. A missing directory has no entries.
void ScanDir(const std::string& dir, DirCache* cache, LivenessProbe* probe, std::vector<Url>* out);

// Names of the subdirectories of `dir` (hidden ones left out), sorted.
std::vector<std::string> SubdirNames(const std::string& dir);

// mkdir -p, mode 0777 less the umask.
Status MakeDirs(const std::string& path);

// Writes `content` to dir/name atomically (a temporary file in the same directory renamed over
// the name); `st` gets the new file's identity.
Status WriteEntryFile(const std::string& dir, const std::string& name, const std::string& content,
                      struct stat* st);

}  // namespace dubbo::registry::internal
