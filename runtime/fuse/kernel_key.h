// The per-user secret key that authenticates kernel records (kernel_record.h).
//
// Why: a cached kernel is machine code that mlf runs with dlopen. Anyone who can write the
// store could plant a shared object under its own digest and a record naming it; a digest
// proves only that the bytes are what the record says, not that mlf compiled them. A MAC
// under a key kept outside the store, readable by this user only, does: a record that
// authenticates was written by an mlf process of this user.
//
// Takes: the environment — the key lives at `$XDG_STATE_HOME/mlf/kernel-key` (an absolute
// XDG_STATE_HOME; else `$HOME/.local/state/mlf/kernel-key`).
// Promises: a missing key is created once: 32 bytes from getrandom(), written to a fresh
// temp file (mode 0600) in the `mlf` folder (created mode 0700), fsynced and linked into
// place, so concurrent processes all end up using the one key that landed first. A key is
// refused, with a message naming the file and the reason, when it is not a regular file
// (symlinks are not followed), is not owned by this user, is readable or writable by group
// or others, or is not exactly 32 bytes; or when its folder is not owned by this user or is
// writable by group or others (someone else could swap the key). process_kernel_key()
// resolves the key once per process; nothing is read or created until a kernel is loaded
// from or put in the store.
// Does not: rotate keys (delete the file: every cached kernel is then compiled again).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mlf::runtime {

struct KernelKey {
  std::string bytes;  // 32 secret bytes
  std::string id;     // 16 hex digits naming the key (a MAC of a constant): not secret
};

// Where this user's key is (empty when neither XDG_STATE_HOME nor HOME is usable).
std::filesystem::path kernel_key_path();

// Reads the key at `path`, creating it when it does not exist. nullopt with `problem` set
// ("kernel key FILE is readable by other users (mode 0644)", ...) when it cannot be used.
std::optional<KernelKey> load_or_create_kernel_key(const std::filesystem::path& path, std::string& problem);

// The process's key, resolved on first use; nullptr with `problem` set when there is none.
const KernelKey* process_kernel_key(std::string& problem);

// Forgets the process's key (tests: the next call reads the environment again).
void forget_process_kernel_key();

}  // namespace mlf::runtime
