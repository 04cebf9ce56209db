#include "runtime/store/object_codec.h"

#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace mlf::runtime {
namespace {

struct CompressContextDeleter {
  void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
};
struct DecompressContextDeleter {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

StoreError corrupt(const std::string& path, std::string reason) {
  return StoreError{StoreError::Kind::Corrupt, std::move(reason), path};
}

StoreError zstd_failure(const std::string& path, std::string_view what, std::size_t code) {
  std::string message = "zstd cannot ";
  message += what;
  message += ' ';
  message += backticked(path);
  message += ": ";
  message += ZSTD_getErrorName(code);
  return StoreError{StoreError::Kind::Io, std::move(message), path};
}

// Reads until `size` bytes or the end of the file; returns the count, or -1 with errno set.
ssize_t read_fully(int fd, char* out, std::size_t size) {
  std::size_t total = 0;
  while (total < size) {
    ssize_t got = ::read(fd, out + total, size - total);
    if (got < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return static_cast<ssize_t>(total);
}

}  // namespace

StoreResult<void> encode_object(std::string_view bytes, int level, const ChunkSink& sink) {
  std::unique_ptr<ZSTD_CCtx, CompressContextDeleter> context(ZSTD_createCCtx());
  if (!context) return StoreError{StoreError::Kind::Io, "zstd cannot allocate a compression context", ""};
  ZSTD_CCtx* cctx = context.get();
  for (auto [parameter, value] : {std::pair{ZSTD_c_compressionLevel, level},
                                  std::pair{ZSTD_c_checksumFlag, 1},
                                  std::pair{ZSTD_c_contentSizeFlag, 1}}) {
    std::size_t code = ZSTD_CCtx_setParameter(cctx, parameter, value);
    if (ZSTD_isError(code)) return zstd_failure("", "configure compression for", code);
  }
  std::size_t code = ZSTD_CCtx_setPledgedSrcSize(cctx, bytes.size());
  if (ZSTD_isError(code)) return zstd_failure("", "configure compression for", code);

  std::vector<char> out(ZSTD_CStreamOutSize());
  ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
  for (;;) {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    std::size_t remaining = ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_end);
    if (ZSTD_isError(remaining)) return zstd_failure("", "compress", remaining);
    if (output.pos > 0) {
      if (auto written = sink(std::string_view(out.data(), output.pos)); !written.ok()) return written;
    }
    if (remaining == 0) return {};
  }
}

StoreResult<std::uint64_t> decode_object(int fd, const std::string& path,
                                         std::uint64_t max_content_bytes, const DecodeSink& sink) {
  std::vector<char> in(ZSTD_DStreamInSize());
  ssize_t got = read_fully(fd, in.data(), in.size());
  if (got < 0) return system_error(errno, "read", path);
  std::size_t available = static_cast<std::size_t>(got);

  // Judge the header before the decoder (or anything else) sees the frame.
  if (available < 4) {
    if (available == 0) return corrupt(path, "is empty");
    return corrupt(path, "is too short to be a zstd frame (" + std::to_string(available) + " bytes)");
  }
  unsigned magic = static_cast<unsigned char>(in[0]) | static_cast<unsigned char>(in[1]) << 8 |
                   static_cast<unsigned char>(in[2]) << 16 |
                   static_cast<unsigned>(static_cast<unsigned char>(in[3])) << 24;
  if (magic != ZSTD_MAGICNUMBER) return corrupt(path, "is not a zstd frame (wrong magic number)");
  unsigned long long declared = ZSTD_getFrameContentSize(in.data(), available);
  if (declared == ZSTD_CONTENTSIZE_ERROR)
    return corrupt(path, "has a malformed or truncated zstd frame header");
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN)
    return corrupt(path, "has a zstd frame that does not declare its content size");
  if (declared > max_content_bytes)
    return corrupt(path, "declares " + std::to_string(declared) + " bytes of content, more than the limit of " +
                             std::to_string(max_content_bytes));

  std::unique_ptr<ZSTD_DCtx, DecompressContextDeleter> context(ZSTD_createDCtx());
  if (!context) return StoreError{StoreError::Kind::Io, "zstd cannot allocate a decompression context", path};
  std::size_t code = ZSTD_DCtx_setParameter(context.get(), ZSTD_d_windowLogMax, kMaxWindowLog);
  if (ZSTD_isError(code)) return zstd_failure(path, "configure decompression for", code);
  if (sink.begin) sink.begin(declared);

  std::vector<char> out(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{in.data(), available, 0};
  std::uint64_t produced = 0;
  for (;;) {
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    std::size_t result = ZSTD_decompressStream(context.get(), &output, &input);
    if (ZSTD_isError(result))
      return corrupt(path, std::string("has a zstd frame the decoder rejects: ") + ZSTD_getErrorName(result));
    if (output.pos > 0) {
      produced += output.pos;
      if (produced > declared)
        return corrupt(path, "decodes to more than its declared " + std::to_string(declared) + " bytes");
      if (sink.chunk) sink.chunk(std::string_view(out.data(), output.pos));
    }
    if (result == 0) break;  // the frame is complete; nothing else counts as complete
    // The decoder flushes pending output first; ask for input only once it has room to spare.
    if (input.pos == input.size && output.pos < output.size) {
      got = read_fully(fd, in.data(), in.size());
      if (got < 0) return system_error(errno, "read", path);
      if (got == 0)
        return corrupt(path, "is truncated: the frame ends after " + std::to_string(produced) + " of its " +
                                 std::to_string(declared) + " declared bytes");
      input = ZSTD_inBuffer{in.data(), static_cast<std::size_t>(got), 0};
    }
  }

  if (input.pos < input.size) return corrupt(path, "has bytes after its zstd frame");
  char probe = 0;
  got = read_fully(fd, &probe, 1);
  if (got < 0) return system_error(errno, "read", path);
  if (got > 0) return corrupt(path, "has bytes after its zstd frame");
  if (produced != declared)
    return corrupt(path, "decodes to " + std::to_string(produced) + " bytes but declares " +
                             std::to_string(declared));
  return std::uint64_t{produced};
}

}  // namespace mlf::runtime
