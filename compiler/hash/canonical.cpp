#include "compiler/hash/canonical.h"

#include "stdlib/catalogue.h"

namespace mlf {

void encode_text(std::string& out, std::string_view text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

void encode_int(std::string& out, std::int64_t value) {
  out += "i:";
  out += std::to_string(value);
  out += ';';
}

void encode_float(std::string& out, double value) {
  out += "f:";
  out += canonical_float(value);
  out += ';';
}

void encode_bool(std::string& out, bool value) { out += value ? "b:1;" : "b:0;"; }

void encode_digest(std::string& out, const Digest& digest) {
  out += digest.hex();
  out += ';';
}

void encode_call_head(std::string& out, std::string_view name, std::string_view version) {
  encode_text(out, name);
  out += '@';
  encode_text(out, version);
}

namespace {

void encode_node_ref(std::string& out, NodeId node, const NodeHashLookup& nodes) {
  out += "N:";
  if (nodes) {
    encode_digest(out, nodes(node));
  } else {
    out += "?;";
  }
}

void encode_calls(std::string& out, char tag,
                  const std::vector<std::shared_ptr<const OpCall>>& calls,
                  const NodeHashLookup& nodes) {
  out += tag;
  out += ':';
  out += std::to_string(calls.size());
  out += '[';
  for (const auto& call : calls) {
    if (call) {
      encode_call(out, *call, nodes);
    } else {
      out += 'n';
    }
  }
  out += ']';
}

}  // namespace

void encode_value(std::string& out, const Value& value, const NodeHashLookup& nodes) {
  switch (value.kind) {
    case Value::Kind::None:
      out += 'n';
      return;
    case Value::Kind::Int:
      encode_int(out, value.integer);
      return;
    case Value::Kind::Float:
      encode_float(out, value.real);
      return;
    case Value::Kind::Bool:
      encode_bool(out, value.boolean);
      return;
    case Value::Kind::String:
      out += "s:";
      encode_text(out, value.text);
      return;
    case Value::Kind::Path:
      out += "p:path;";
      return;
    case Value::Kind::List:
      out += "l:";
      out += std::to_string(value.items.size());
      out += '[';
      for (const auto& item : value.items) encode_value(out, item, nodes);
      out += ']';
      return;
    case Value::Kind::Op:
      out += "o:";
      if (value.op) {
        encode_call(out, *value.op, nodes);
      } else {
        out += 'n';
      }
      return;
    case Value::Kind::Chain:
      encode_calls(out, 'c', value.ops, nodes);
      return;
    case Value::Kind::Model:
      encode_calls(out, 'm', value.ops, nodes);
      return;
    case Value::Kind::Node:
      encode_node_ref(out, value.node, nodes);
      return;
    case Value::Kind::Field:
      out += "F:";
      encode_node_ref(out, value.node, nodes);
      encode_text(out, value.text);
      return;
  }
}

void encode_call(std::string& out, const OpCall& call, const NodeHashLookup& nodes) {
  encode_call_head(out, call.op ? std::string_view(call.op->name) : std::string_view(),
                   call.op ? std::string_view(call.op->version) : std::string_view());
  std::size_t present = 0;
  for (const auto& arg : call.args)
    if (arg.value.kind != Value::Kind::None) ++present;
  out += '(';
  out += std::to_string(present);
  out += ':';
  for (const auto& arg : call.args) {
    if (arg.value.kind == Value::Kind::None) continue;
    encode_text(out, arg.name);
    out += '=';
    encode_value(out, arg.value, nodes);
  }
  out += ')';
  out += '[';
  out += std::to_string(call.children.size());
  out += ':';
  for (const auto& child : call.children) {
    if (child) {
      encode_call(out, *child, nodes);
    } else {
      out += 'n';
    }
  }
  out += ']';
}

void encode_layer(std::string& out, const ModelLayer& layer, const NodeHashLookup& nodes) {
  out += "L:";
  if (layer.op) {
    encode_call(out, *layer.op, nodes);
  } else {
    out += 'n';
  }
  out += '{';
  out += std::to_string(layer.inferred.size());
  out += ':';
  for (const auto& [name, size] : layer.inferred) {
    encode_text(out, name);
    out += '=';
    encode_int(out, size);
  }
  out += '}';
  out += '[';
  out += std::to_string(layer.children.size());
  out += ':';
  for (const auto& child : layer.children) encode_layer(out, child, nodes);
  out += ']';
}

void encode_type(std::string& out, const TensorType& type) {
  out += "t:";
  encode_text(out, type.str());
}

void encode_type(std::string& out, const SampleType& type) {
  out += "t:";
  encode_text(out, type.str());
}

std::string canonical_value(const Value& value, const NodeHashLookup& nodes) {
  std::string out;
  encode_value(out, value, nodes);
  return out;
}

std::string canonical_call(const OpCall& call, const NodeHashLookup& nodes) {
  std::string out;
  encode_call(out, call, nodes);
  return out;
}

std::string canonical_layer(const ModelLayer& layer, const NodeHashLookup& nodes) {
  std::string out;
  encode_layer(out, layer, nodes);
  return out;
}

std::string canonical_type(const TensorType& type) {
  std::string out;
  encode_type(out, type);
  return out;
}

std::string canonical_type(const SampleType& type) {
  std::string out;
  encode_type(out, type);
  return out;
}

}  // namespace mlf
