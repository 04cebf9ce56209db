// The canonical byte encoding of what a content hash covers: values, op calls, model layers
// and types of the resolved graph.
//
// Takes: checked values (compiler/sema/value.h) and, for values that name graph nodes, a way
// to find those nodes' content hashes.
// Promises: an unambiguous encoding — every item starts with a one-letter type tag and every
// text is length-prefixed — so two different values never encode to the same bytes, and the
// same value always does, whatever the source looked like. Spans, `defaulted` flags and
// poisoning are not encoded. A Path encodes only the marker `p:path;`: a path's identity is
// the content digest of its file, which the node's FileInput list carries, so moving a file
// changes no hash. An absent optional argument (Value::Kind::None) is left out of its call,
// exactly as the plan leaves it out.
// Does not: hash (compiler/hash/content_hash.h does), or know the graph.
//
// The encoding, version 1 (`T` is text encoded as `<byte length>:<bytes>`):
//   None  n                      Int    i:<decimal>;          Float  f:<canonical_float>;
//   Bool  b:1; | b:0;            String s:T                   Path   p:path;
//   List  l:<count>[<items>]     Op     o:<call>              Chain  c:<count>[<calls>]
//   Model m:<count>[<calls>]     Node   N:<64 hex>;           Field  F:<node>T
//   call  T@T(<count>:<T=value ...>)[<count>:<child calls>]   name@version(args)[children]
//   layer L:<call>{<count>:<T=i:N; ...>}[<count>:<child layers>]
//   step  S:<call>#<occurrence>;<64 hex stream>;
//   type  t:T                    (the canonical text of a TensorType or SampleType)
// The plan reader re-derives the same bytes from a plan file (compiler/plan/plan_reader.cpp)
// so that node ids can be verified; the two must change together.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "compiler/graph/graph.h"
#include "compiler/hash/sha256.h"
#include "compiler/sema/types.h"
#include "compiler/sema/value.h"

namespace mlf {

// Gives the content hash of a graph node named by a Value::Kind::Node or Field value.
// Without one, node references encode as `N:?;` (fine for comparing calls, never for hashes).
using NodeHashLookup = std::function<Digest(NodeId)>;

// Primitive encoders, shared with the plan reader.
void encode_text(std::string& out, std::string_view text);   // <length>:<bytes>
void encode_int(std::string& out, std::int64_t value);       // i:<decimal>;
void encode_float(std::string& out, double value);           // f:<canonical_float>;
void encode_bool(std::string& out, bool value);              // b:1; | b:0;
void encode_digest(std::string& out, const Digest& digest);  // <64 hex>;
void encode_call_head(std::string& out, std::string_view name, std::string_view version);

void encode_value(std::string& out, const Value& value, const NodeHashLookup& nodes = {});
void encode_call(std::string& out, const OpCall& call, const NodeHashLookup& nodes = {});
void encode_layer(std::string& out, const ModelLayer& layer, const NodeHashLookup& nodes = {});
void encode_type(std::string& out, const TensorType& type);
void encode_type(std::string& out, const SampleType& type);

std::string canonical_value(const Value& value, const NodeHashLookup& nodes = {});
std::string canonical_call(const OpCall& call, const NodeHashLookup& nodes = {});
std::string canonical_layer(const ModelLayer& layer, const NodeHashLookup& nodes = {});
std::string canonical_type(const TensorType& type);
std::string canonical_type(const SampleType& type);

}  // namespace mlf
