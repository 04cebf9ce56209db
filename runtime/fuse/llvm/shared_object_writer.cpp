#include "runtime/fuse/llvm/shared_object_writer.h"

#include <elf.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace mlf::runtime {
namespace {

constexpr std::uint64_t kPage = 4096;
// One per imported function: `jmp *slot(%rip)` (6 bytes), then two int3.
constexpr std::uint64_t kStubBytes = 8;
constexpr std::size_t kProgramHeaders = 4;  // text, data, dynamic, stack

template <class T>
bool read_at(std::string_view bytes, std::uint64_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

std::uint64_t align_up(std::uint64_t value, std::uint64_t alignment) {
  return alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}

bool exported(const Elf64_Sym& s) {
  const int visibility = ELF64_ST_VISIBILITY(s.st_other);
  return ELF64_ST_BIND(s.st_info) != STB_LOCAL && s.st_shndx != SHN_UNDEF &&
         (visibility == STV_DEFAULT || visibility == STV_PROTECTED);
}

}  // namespace

bool write_shared_object(std::string_view object, std::string& shared_object, std::string& why) {
  Elf64_Ehdr header;
  if (!read_at(object, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB ||
      header.e_type != ET_REL || header.e_machine != EM_X86_64 ||
      header.e_shentsize != sizeof(Elf64_Shdr)) {
    why = "not an x86-64 relocatable object";
    return false;
  }
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  for (std::size_t i = 0; i < sections.size(); ++i)
    if (!read_at(object, header.e_shoff + i * sizeof(Elf64_Shdr), sections[i])) {
      why = "truncated section headers";
      return false;
    }
  auto contents = [&](const Elf64_Shdr& s) -> std::string_view {
    if (s.sh_type == SHT_NOBITS || s.sh_offset > object.size() || object.size() - s.sh_offset < s.sh_size)
      return {};
    return object.substr(s.sh_offset, s.sh_size);
  };
  auto allocated = [&](std::size_t i) { return i < sections.size() && (sections[i].sh_flags & SHF_ALLOC); };

  std::size_t symtab_index = 0;
  for (std::size_t i = 0; i < sections.size(); ++i)
    if (sections[i].sh_type == SHT_SYMTAB) symtab_index = i;
  if (symtab_index == 0 || sections[symtab_index].sh_link >= sections.size()) {
    why = "no symbol table";
    return false;
  }
  const std::string_view symbol_bytes = contents(sections[symtab_index]);
  const std::string_view names = contents(sections[sections[symtab_index].sh_link]);
  std::vector<Elf64_Sym> symbols(symbol_bytes.size() / sizeof(Elf64_Sym));
  for (std::size_t k = 0; k < symbols.size(); ++k)
    std::memcpy(&symbols[k], symbol_bytes.data() + k * sizeof(Elf64_Sym), sizeof(Elf64_Sym));
  auto name_of = [&](const Elf64_Sym& s) -> std::string_view {
    if (s.st_name >= names.size()) return {};
    const std::string_view rest = names.substr(s.st_name);
    return rest.substr(0, rest.find('\0'));
  };

  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (!allocated(i) || sections[i].sh_size == 0) continue;
    if ((sections[i].sh_flags & (SHF_WRITE | SHF_TLS)) || sections[i].sh_type != SHT_PROGBITS ||
        contents(sections[i]).size() != sections[i].sh_size) {
      why = "the object has writable, thread-local or uninitialised data";
      return false;
    }
  }
  std::vector<std::size_t> exports, imports;  // indices into `symbols`
  for (std::size_t k = 1; k < symbols.size(); ++k) {
    const Elf64_Sym& s = symbols[k];
    if (ELF64_ST_BIND(s.st_info) == STB_LOCAL) continue;
    if (s.st_shndx == SHN_UNDEF) imports.push_back(k);
    else if (!allocated(s.st_shndx)) {
      why = "a global symbol outside the object's code and constants";
      return false;
    } else if (exported(s)) exports.push_back(k);
  }

  // Dynamic symbols: the null symbol, the exports, then the imports.
  const std::size_t symbol_count = 1 + exports.size() + imports.size();
  std::string dynamic_names(1, '\0');
  auto add_name = [&](std::string_view name) {
    const auto at = static_cast<Elf64_Word>(dynamic_names.size());
    dynamic_names.append(name);
    dynamic_names.push_back('\0');
    return at;
  };

  // Layout. The read+execute segment starts at the file's first byte.
  std::uint64_t at = sizeof(Elf64_Ehdr) + kProgramHeaders * sizeof(Elf64_Phdr);
  const std::uint64_t hash_at = align_up(at, 8);
  at = hash_at + (2 + 1 + symbol_count) * sizeof(Elf64_Word);  // nbucket, nchain, 1 bucket, chains
  const std::uint64_t dynsym_at = align_up(at, 8);
  at = dynsym_at + symbol_count * sizeof(Elf64_Sym);
  std::vector<Elf64_Sym> dynamic_symbols(symbol_count);
  for (std::size_t j = 0; j < exports.size(); ++j) {
    const Elf64_Sym& s = symbols[exports[j]];
    Elf64_Sym& d = dynamic_symbols[1 + j];
    d.st_name = add_name(name_of(s));
    d.st_info = s.st_info;
    d.st_other = s.st_other;
    d.st_shndx = 1;  // any defined section: there are no section headers
    d.st_size = s.st_size;
  }
  for (std::size_t j = 0; j < imports.size(); ++j) {
    const Elf64_Sym& s = symbols[imports[j]];
    Elf64_Sym& d = dynamic_symbols[1 + exports.size() + j];
    d.st_name = add_name(name_of(s));
    d.st_info = s.st_info;
    d.st_shndx = SHN_UNDEF;
  }
  const std::uint64_t dynstr_at = at;
  at += dynamic_names.size();
  const std::uint64_t rela_at = align_up(at, 8);
  at = rela_at + imports.size() * sizeof(Elf64_Rela);
  std::vector<std::uint64_t> address(sections.size(), 0);
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (!allocated(i)) continue;
    at = align_up(at, std::max<std::uint64_t>(sections[i].sh_addralign, 1));
    address[i] = at;
    at += sections[i].sh_size;
  }
  const std::uint64_t stubs_at = align_up(at, 16);
  const std::uint64_t text_end = stubs_at + imports.size() * kStubBytes;
  // The read+write segment, on a page of its own: the dynamic section, then the GOT.
  const std::uint64_t dynamic_at = align_up(text_end, kPage);
  const std::size_t dynamic_entries = 5 + (imports.empty() ? 0 : 3) + 1;
  const std::uint64_t got_at = dynamic_at + dynamic_entries * sizeof(Elf64_Dyn);
  const std::uint64_t end = got_at + imports.size() * 8;

  std::string out(end, '\0');
  auto put = [&](std::uint64_t offset, const auto& value) {
    std::memcpy(out.data() + offset, &value, sizeof value);
  };
  for (std::size_t i = 0; i < sections.size(); ++i)
    if (allocated(i) && sections[i].sh_size)
      std::memcpy(out.data() + address[i], contents(sections[i]).data(), sections[i].sh_size);
  for (std::size_t j = 0; j < exports.size(); ++j) {
    const Elf64_Sym& s = symbols[exports[j]];
    dynamic_symbols[1 + j].st_value = address[s.st_shndx] + s.st_value;
  }
  for (std::size_t k = 0; k < symbol_count; ++k) put(dynsym_at + k * sizeof(Elf64_Sym), dynamic_symbols[k]);
  std::memcpy(out.data() + dynstr_at, dynamic_names.data(), dynamic_names.size());
  // SysV hash with one bucket: every lookup walks the chain count-1, count-2, …, 1.
  std::vector<Elf64_Word> hash = {1, static_cast<Elf64_Word>(symbol_count),
                                  static_cast<Elf64_Word>(symbol_count - 1)};
  for (std::size_t k = 0; k < symbol_count; ++k) hash.push_back(k == 0 ? 0 : static_cast<Elf64_Word>(k - 1));
  std::memcpy(out.data() + hash_at, hash.data(), hash.size() * sizeof(Elf64_Word));
  for (std::size_t j = 0; j < imports.size(); ++j) {
    const std::uint64_t stub = stubs_at + j * kStubBytes, slot = got_at + j * 8;
    const auto displacement = static_cast<std::int32_t>(slot - (stub + 6));
    const unsigned char jump[2] = {0xFF, 0x25};
    std::memcpy(out.data() + stub, jump, 2);
    put(stub + 2, displacement);
    out[stub + 6] = out[stub + 7] = static_cast<char>(0xCC);
    Elf64_Rela fill{};
    fill.r_offset = slot;
    fill.r_info = ELF64_R_INFO(1 + exports.size() + j, R_X86_64_GLOB_DAT);
    put(rela_at + j * sizeof(Elf64_Rela), fill);
  }

  // The object's own relocations, all resolved here: nothing of them is left to the loader.
  auto import_number = [&](std::size_t symbol) -> std::size_t {
    return static_cast<std::size_t>(std::find(imports.begin(), imports.end(), symbol) - imports.begin());
  };
  for (const Elf64_Shdr& r : sections) {
    if (r.sh_type == SHT_REL) {
      why = "REL relocations";
      return false;
    }
    if (r.sh_type != SHT_RELA || !allocated(r.sh_info)) continue;
    if (r.sh_link != symtab_index) {
      why = "relocations against another symbol table";
      return false;
    }
    const Elf64_Shdr& target = sections[r.sh_info];
    const std::string_view entries = contents(r);
    for (std::size_t e = 0; e + sizeof(Elf64_Rela) <= entries.size(); e += sizeof(Elf64_Rela)) {
      Elf64_Rela rela;
      std::memcpy(&rela, entries.data() + e, sizeof rela);
      const std::size_t symbol = ELF64_R_SYM(rela.r_info);
      const std::uint32_t type = ELF64_R_TYPE(rela.r_info);
      if (symbol >= symbols.size() || rela.r_offset + 4 > target.sh_size) {
        why = "a relocation outside its section";
        return false;
      }
      const Elf64_Sym& s = symbols[symbol];
      const bool external = s.st_shndx == SHN_UNDEF;
      std::uint64_t resolved = 0;
      if (type == R_X86_64_PC32 || type == R_X86_64_PLT32) {
        if (external && type == R_X86_64_PC32) {
          why = "a PC-relative reference to imported data";
          return false;
        }
        if (external) resolved = stubs_at + import_number(symbol) * kStubBytes;
        else if (allocated(s.st_shndx)) resolved = address[s.st_shndx] + s.st_value;
        else {
          why = "a reference to a section that is not loaded";
          return false;
        }
      } else if (type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX ||
                 type == R_X86_64_REX_GOTPCRELX) {
        if (!external) {
          why = "a GOT reference to a local symbol";
          return false;
        }
        resolved = got_at + import_number(symbol) * 8;
      } else {
        why = "relocation type " + std::to_string(type);
        return false;
      }
      const std::uint64_t place = address[r.sh_info] + rela.r_offset;
      const std::int64_t value = static_cast<std::int64_t>(resolved + static_cast<std::uint64_t>(rela.r_addend) - place);
      if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max()) {
        why = "a PC-relative distance over 2 GB";
        return false;
      }
      put(place, static_cast<std::int32_t>(value));
    }
  }

  std::vector<Elf64_Dyn> dynamic = {{DT_HASH, {hash_at}},
                                    {DT_STRTAB, {dynstr_at}},
                                    {DT_SYMTAB, {dynsym_at}},
                                    {DT_STRSZ, {dynamic_names.size()}},
                                    {DT_SYMENT, {sizeof(Elf64_Sym)}}};
  if (!imports.empty()) {
    dynamic.push_back({DT_RELA, {rela_at}});
    dynamic.push_back({DT_RELASZ, {imports.size() * sizeof(Elf64_Rela)}});
    dynamic.push_back({DT_RELAENT, {sizeof(Elf64_Rela)}});
  }
  dynamic.push_back({DT_NULL, {0}});
  for (std::size_t k = 0; k < dynamic.size(); ++k) put(dynamic_at + k * sizeof(Elf64_Dyn), dynamic[k]);

  Elf64_Ehdr elf{};
  std::memcpy(elf.e_ident, ELFMAG, SELFMAG);
  elf.e_ident[EI_CLASS] = ELFCLASS64;
  elf.e_ident[EI_DATA] = ELFDATA2LSB;
  elf.e_ident[EI_VERSION] = EV_CURRENT;
  elf.e_ident[EI_OSABI] = ELFOSABI_NONE;
  elf.e_type = ET_DYN;
  elf.e_machine = EM_X86_64;
  elf.e_version = EV_CURRENT;
  elf.e_phoff = sizeof(Elf64_Ehdr);
  elf.e_ehsize = sizeof(Elf64_Ehdr);
  elf.e_phentsize = sizeof(Elf64_Phdr);
  elf.e_phnum = kProgramHeaders;
  elf.e_shentsize = sizeof(Elf64_Shdr);
  put(0, elf);
  const Elf64_Phdr programs[kProgramHeaders] = {
      {PT_LOAD, PF_R | PF_X, 0, 0, 0, text_end, text_end, kPage},
      {PT_LOAD, PF_R | PF_W, dynamic_at, dynamic_at, dynamic_at, end - dynamic_at, end - dynamic_at, kPage},
      {PT_DYNAMIC, PF_R | PF_W, dynamic_at, dynamic_at, dynamic_at, dynamic.size() * sizeof(Elf64_Dyn),
       dynamic.size() * sizeof(Elf64_Dyn), 8},
      {PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16}};
  for (std::size_t k = 0; k < kProgramHeaders; ++k) put(sizeof(Elf64_Ehdr) + k * sizeof(Elf64_Phdr), programs[k]);
  shared_object = std::move(out);
  return true;
}

}  // namespace mlf::runtime
