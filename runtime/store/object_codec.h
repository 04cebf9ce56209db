// The on-disk form of a stored object: exactly one zstd frame that declares its content size.
//
// Takes: an object's uncompressed bytes (encode), or an open file said to hold a frame
// (decode).
// Promises: encode_object writes one frame at the given level, with the content size in
// its header and zstd's checksum at its end, and hands it out in chunks. decode_object
// refuses — before allocating anything of that size — a file that is not a zstd frame,
// whose frame does not declare its content size, or declares more than
// `max_content_bytes`; it never hands out more bytes than declared; it succeeds only when
// the decoder has finished the frame (ZSTD_decompressStream returned 0), nothing follows
// the frame and the output length equals the declaration. Decoded bytes reach the sink a
// chunk at a time as they come, so the decoder's memory is its window (at most 128 MiB)
// plus one chunk, whatever the frame claims.
// Does not: hash, name objects or touch the store's folders (object_store.h does). The
// compressed bytes depend on the zstd version and level, so nothing may key on them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/store/store_error.h"

namespace mlf::runtime {

// Largest window a stored frame may ask the decoder for (2^27 bytes, zstd's own default
// limit; level-3 frames use far less).
inline constexpr int kMaxWindowLog = 27;

using ChunkSink = std::function<StoreResult<void>(std::string_view chunk)>;

StoreResult<void> encode_object(std::string_view bytes, int level, const ChunkSink& sink);

struct DecodeSink {
  // Called once, before any chunk, with the content size the frame declares (already
  // checked against the limit).
  std::function<void(std::uint64_t declared_bytes)> begin;
  std::function<void(std::string_view chunk)> chunk;
};

// Decodes the frame in `fd` (read from its current offset to its end). `path` names the
// file in errors. A Corrupt error's message is the reason alone, a clause such as "is
// truncated: the frame ends after 10 of its 4096 declared bytes", for the caller to put
// after the object's name; Io errors are whole messages. Returns the content size.
StoreResult<std::uint64_t> decode_object(int fd, const std::string& path,
                                         std::uint64_t max_content_bytes, const DecodeSink& sink);

}  // namespace mlf::runtime
