// MD5 (RFC 1321), for consistenthash: Dubbo places providers on its ring and hashes call keys with
// MD5, so matching Java's picks needs the same digests. Not for security. Pure functions;
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace dubbo::cluster {

using Md5Digest = std::array<uint8_t, 16>;

Md5Digest Md5(std::string_view data);

}  // namespace dubbo::cluster
