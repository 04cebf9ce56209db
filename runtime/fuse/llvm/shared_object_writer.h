// Links a fused kernel's relocatable object into a shared object in memory, without running
// `ld`: spawning the linker was ~20 ms of every cold compile, more than the code generation
// of a short chain.
//
// Takes: the bytes of an x86-64 ELF relocatable object as the code generator emits them:
// read-only allocated sections (code, constant pools), PC-relative references between them
// (R_X86_64_PC32, PLT32), and calls to functions of the C library (memset) by PLT32 or
// through the GOT (GOTPCREL, GOTPCRELX, REX_GOTPCRELX).
// Promises: true with `shared_object` set to an ELF shared object that dlopen loads: one
// read+execute segment (headers, SysV hash, dynamic symbols, the sections, one jump stub per
// imported function), one read+write segment (dynamic section, GOT filled by GLOB_DAT
// relocations), a non-executable stack. It exports the object's global defined symbols and
// imports its undefined ones; no DT_NEEDED (the C library is already in the process). The
// machine code is the object's, byte for byte, with its relocations applied.
// false with `why` set for anything else (writable data, absolute relocations, another
// relocation type or machine): the caller then links with `ld`.
// Does not: write section headers (dlopen needs none), unwind tables or debug information.
#pragma once

#include <string>
#include <string_view>

namespace mlf::runtime {

bool write_shared_object(std::string_view object, std::string& shared_object, std::string& why);

}  // namespace mlf::runtime
