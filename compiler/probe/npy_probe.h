// NumPy .npy files (format versions 1.0, 2.0 and 3.0), probed at compile time.
//
// Takes: a path to an uncompressed .npy file: the magic "\x93NUMPY", a major and minor
// version byte, a little-endian header length (u16 for version 1, u32 for 2 and 3), then a
// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}, then the data.
// Promises: reads only the header (at most 1 MiB of it); accepts the little-endian or
// byte-order-free dtypes '<f4' '<f8' '|u1' '|i1' '<i2' '<i4' '<i8'; rejects big-endian
// dtypes, Fortran order and structured dtypes with BadFormat; checks that the file size is
// exactly data_offset + product(shape) * itemsize, with overflow-checked arithmetic. Never
// throws.
// Does not: read the data, evaluate Python beyond the literals numpy writes, or open .npz.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/probe/probe_result.h"

namespace mlf::probe {

struct NpyHeader {
  ElementType type = ElementType::F32;
  std::vector<std::int64_t> shape;  // empty for a 0-d array
  std::uint64_t data_offset = 0;    // where the C-order data starts in the file
};

ProbeResult<NpyHeader> probe_npy(const std::string& path);

}  // namespace mlf::probe
