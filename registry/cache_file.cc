#include "registry/cache_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <thread>

#include "common/log.h"
#include "registry/internal.h"

namespace dubbo::registry {

namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
// How long Save waits for another process's lock before giving up for now.
constexpr auto kLockWait = std::chrono::milliseconds(200);
constexpr std::string_view kComment = "Dubbo Registry Cache";

using internal::ErrnoText;
using internal::IoError;

// UTF-8 to UTF-16 code units; a byte that is not part of valid UTF-8 stands for itself
// (as Latin-1), so nothing is lost.
std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0x80) {
      len = 0;  // invalid lead byte
    }
    bool valid = len > 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) {
        valid = false;
      } else {
        cp = (cp << 6) | (cc & 0x3f);
      }
    }
    // A surrogate's 3-byte form is accepted: it is how ToUtf8 writes a lone surrogate that a
    // "\uDDDD" escape produced, and it must read back as that unit.
    if (valid && ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))) {
      valid = false;
    }
    if (!valid) {
      out.push_back(static_cast<char16_t>(c));
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// UTF-16 units to UTF-8; surrogate pairs are combined, a lone surrogate is encoded as is
// (as Java's String would carry it).
std::string ToUtf8(const std::u16string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t cp = s[i];
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.size() && s[i + 1] >= 0xdc00 &&
        s[i + 1] <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (s[i + 1] - 0xdc00);
      ++i;
    }
    AppendUtf8(cp, &out);
  }
  return out;
}

int HexValue(char16_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsPropertiesSpace(char16_t c) { return c == ' ' || c == '\t' || c == '\f'; }

// Properties.loadConvert: resolves backslash escapes of one key or value.
std::u16string LoadConvert(std::u16string_view in) {
  std::u16string out;
  for (size_t i = 0; i < in.size(); ++i) {
    char16_t c = in[i];
    if (c != u'\\' || i + 1 >= in.size()) {
      if (c != u'\\') out.push_back(c);
      continue;
    }
    c = in[++i];
    if (c == u'u') {
      int value = 0;
      bool ok = i + 4 < in.size();
      for (size_t k = 1; ok && k <= 4; ++k) {
        const int h = HexValue(in[i + k]);
        ok = h >= 0;
        value = value * 16 + h;
      }
      if (ok) {
        out.push_back(static_cast<char16_t>(value));
        i += 4;
      } else {
        out.push_back(u'u');  // malformed (Java throws): keep the text
      }
      continue;
    }
    switch (c) {
      case u't':
        out.push_back(u'\t');
        break;
      case u'r':
        out.push_back(u'\r');
        break;
      case u'n':
        out.push_back(u'\n');
        break;
      case u'f':
        out.push_back(u'\f');
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string JavaDateString(std::time_t t) {
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm);
  return std::string(buf, n);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return IoError("cannot open", path, errno);
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return IoError("cannot read", path, err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

// Holds `<file>.lock` (flock plus an OFD record lock) while alive.
class CacheLock {
 public:
  static Result<CacheLock> Acquire(const std::string& lock_path) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return IoError("cannot open lock file", lock_path, errno);
    CacheLock lock(fd);
    const auto deadline = std::chrono::steady_clock::now() + kLockWait;
    while (true) {
      bool busy = false;
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) return IoError("cannot lock", lock_path, errno);
        busy = true;
      } else {
        struct flock fl {};
        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
#ifdef F_OFD_SETLK
        if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
          if (errno == EAGAIN || errno == EACCES) {
            ::flock(fd, LOCK_UN);
            busy = true;
          } else if (errno != EINVAL) {
            return IoError("cannot lock", lock_path, errno);
          }
        }
#endif
      }
      if (!busy) return lock;
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status(StatusCode::kUnavailable, lock_path + " is locked by another process");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  CacheLock(CacheLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  CacheLock& operator=(CacheLock&&) = delete;
  ~CacheLock() {
    if (fd_ >= 0) ::close(fd_);  // releases both locks
  }

 private:
  explicit CacheLock(int fd) : fd_(fd) {}
  int fd_;
};

Status WriteAtomically(const std::string& path, const std::string& content) {
  return internal::WriteFileAtomically(path + ".tmp.", path, content, 0644, nullptr);
}

}  // namespace

std::string EscapeJavaProperty(std::string_view text, bool is_key) {
  const std::u16string units = ToUtf16(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < units.size(); ++i) {
    const char16_t c = units[i];
    if (c > 61 && c < 127) {
      if (c == u'\\') out.push_back('\\');
      out.push_back(static_cast<char>(c));
      continue;
    }
    switch (c) {
      case u' ':
        if (i == 0 || is_key) out.push_back('\\');
        out.push_back(' ');
        break;
      case u'\t':
        out += "\\t";
        break;
      case u'\n':
        out += "\\n";
        break;
      case u'\r':
        out += "\\r";
        break;
      case u'\f':
        out += "\\f";
        break;
      case u'=':
      case u':':
      case u'#':
      case u'!':
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (c < 0x20 || c > 0x7e) {
          out += "\\u";
          out.push_back(kHexUpper[(c >> 12) & 0xf]);
          out.push_back(kHexUpper[(c >> 8) & 0xf]);
          out.push_back(kHexUpper[(c >> 4) & 0xf]);
          out.push_back(kHexUpper[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

std::vector<Url> ParseCachedUrls(std::string_view value) {
  std::vector<Url> urls;
  std::string_view rest = value;
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!rest.empty()) {
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    size_t end = 0;
    while (end < rest.size() && !is_space(rest[end])) ++end;
    const std::string_view item = rest.substr(0, end);
    rest.remove_prefix(end);
    if (item.empty()) continue;
    auto url = Url::Parse(item);
    if (!url.ok() || url->protocol() == "empty") continue;
    urls.push_back(std::move(*url));
  }
  return urls;
}

std::map<std::string, std::string> ParseJavaProperties(std::string_view text) {
  // Properties.load(InputStream) reads ISO-8859-1: every byte is one char.
  std::u16string chars;
  chars.reserve(text.size());
  for (char c : text) chars.push_back(static_cast<unsigned char>(c));

  std::map<std::string, std::string> out;
  size_t pos = 0;
  auto next_natural_line = [&](std::u16string_view* line) {
    if (pos >= chars.size()) return false;
    size_t end = pos;
    while (end < chars.size() && chars[end] != u'\n' && chars[end] != u'\r') ++end;
    *line = std::u16string_view(chars).substr(pos, end - pos);
    if (end < chars.size() && chars[end] == u'\r' && end + 1 < chars.size() &&
        chars[end + 1] == u'\n')
      ++end;
    pos = end + 1;
    return true;
  };
  auto ends_with_odd_backslashes = [](std::u16string_view s) {
    size_t n = 0;
    while (n < s.size() && s[s.size() - 1 - n] == u'\\') ++n;
    return n % 2 == 1;
  };

  std::u16string_view natural;
  while (next_natural_line(&natural)) {
    while (!natural.empty() && IsPropertiesSpace(natural.front())) natural.remove_prefix(1);
    if (natural.empty()) continue;
    if (natural.front() == u'#' || natural.front() == u'!') continue;
    std::u16string logical;
    while (true) {
      if (!ends_with_odd_backslashes(natural)) {
        logical.append(natural);
        break;
      }
      logical.append(natural.substr(0, natural.size() - 1));
      if (!next_natural_line(&natural)) break;
      while (!natural.empty() && IsPropertiesSpace(natural.front())) natural.remove_prefix(1);
    }
    size_t key_len = 0;
    size_t value_start = logical.size();
    bool has_sep = false;
    bool preceding_backslash = false;
    while (key_len < logical.size()) {
      const char16_t c = logical[key_len];
      if ((c == u'=' || c == u':') && !preceding_backslash) {
        value_start = key_len + 1;
        has_sep = true;
        break;
      }
      if (IsPropertiesSpace(c) && !preceding_backslash) {
        value_start = key_len + 1;
        break;
      }
      preceding_backslash = c == u'\\' ? !preceding_backslash : false;
      ++key_len;
    }
    while (value_start < logical.size()) {
      const char16_t c = logical[value_start];
      if (!IsPropertiesSpace(c)) {
        if (!has_sep && (c == u'=' || c == u':')) {
          has_sep = true;
        } else {
          break;
        }
      }
      ++value_start;
    }
    const std::u16string_view view(logical);
    out[ToUtf8(LoadConvert(view.substr(0, key_len)))] =
        ToUtf8(LoadConvert(view.substr(value_start)));
  }
  return out;
}

std::string FormatJavaProperties(const std::map<std::string, std::string>& entries,
                                 std::string_view comment) {
  std::string out = "#";
  out += EscapeJavaProperty(comment, false);  // comments: only non-ASCII matters here
  out += "\n#";
  out += JavaDateString(std::time(nullptr));
  out += "\n";
  for (const auto& [key, value] : entries) {
    out += EscapeJavaProperty(key, true);
    out += '=';
    out += EscapeJavaProperty(value, false);
    out += '\n';
  }
  return out;
}

RegistryCacheFile::RegistryCacheFile(std::string path) : path_(std::move(path)) {
  auto text = ReadWholeFile(path_);
  if (!text.ok()) {
    LogWarning() << "registry cache: " << text.status().message()
                 << " (starting with an empty cache)";
    return;
  }
  loaded_ = ParseJavaProperties(*text);
}

std::optional<std::string> RegistryCacheFile::Get(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = mine_.find(key); it != mine_.end()) return it->second;
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second;
  return std::nullopt;
}

std::vector<Url> RegistryCacheFile::GetUrls(const std::string& key) const {
  const auto value = Get(key);
  if (!value) return {};
  return ParseCachedUrls(*value);
}

bool RegistryCacheFile::Put(const std::string& key, std::string value) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = mine_.try_emplace(key);
  if (!inserted && it->second == value) return false;
  it->second = std::move(value);
  dirty_ = true;
  return true;
}

bool RegistryCacheFile::dirty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dirty_;
}

Status RegistryCacheFile::Save() {
  std::map<std::string, std::string> mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    mine = mine_;
  }
  const std::filesystem::path file(path_);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec)
      return Status(StatusCode::kIoError,
                    "cannot create directory " + file.parent_path().string() + ": " + ec.message());
  }
  DUBBO_ASSIGN_OR_RETURN(CacheLock lock, CacheLock::Acquire(path_ + ".lock"));
  DUBBO_ASSIGN_OR_RETURN(std::string current, ReadWholeFile(path_));
  std::map<std::string, std::string> merged = ParseJavaProperties(current);
  for (const auto& [key, value] : mine) merged[key] = value;
  DUBBO_RETURN_IF_ERROR(WriteAtomically(path_, FormatJavaProperties(merged, kComment)));
  std::lock_guard<std::mutex> guard(mu_);
  if (mine_ == mine) dirty_ = false;
  return Status::Ok();
}

}  // namespace dubbo::registry
