#include "compiler/lsp/server.h"

#include <stdexcept>
#include <variant>

#include "compiler/lsp/features.h"
#include "compiler/lsp/text_positions.h"
#include "compiler/sema/checker.h"
#include "compiler/source/source_reader.h"
#include "compiler/syntax/parse.h"

namespace mlf::lsp {

using nlohmann::json;

namespace {

enum ErrorCode {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
};

// A request's parameters are wrong: reported as Invalid Params.
struct InvalidParams : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string serialise(const json& message) {
  // Source text may hold invalid UTF-8 (the checker reports it); never let it stop a reply.
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_response(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

const json& member(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name))
    throw InvalidParams(std::string("missing `") + name + "`");
  return object.at(name);
}

std::string string_member(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_string()) throw InvalidParams(std::string("`") + name + "` must be a string");
  return value.get<std::string>();
}

std::int64_t integer_member(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_number_integer()) throw InvalidParams(std::string("`") + name + "` must be an integer");
  return value.get<std::int64_t>();
}

std::string read_file(const std::string& path, bool& ok) {
  SourceRead read = read_source_file(path, CheckOptions{}.max_source_bytes);
  ok = std::holds_alternative<std::string>(read);
  return ok ? std::move(std::get<std::string>(read)) : std::string();
}

}  // namespace

json Server::initialize_result() const {
  return {{"capabilities",
           {{"positionEncoding", "utf-16"},
            {"textDocumentSync", {{"openClose", true}, {"change", 1}}},
            {"documentSymbolProvider", true},
            {"hoverProvider", true},
            {"definitionProvider", true},
            {"documentFormattingProvider", true},
            {"completionProvider", {{"triggerCharacters", {"(", ","}}}}}},
          {"serverInfo", {{"name", "mlf"}, {"version", "0.1.0"}}}};
}

std::string Server::framing_error(const std::string& what) {
  return serialise(error_response(nullptr, kParseError, what));
}

std::vector<std::string> Server::handle(const std::string& body) {
  std::vector<std::string> out;
  json message;
  try {
    message = json::parse(body);
  } catch (const json::exception& e) {
    out.push_back(serialise(error_response(nullptr, kParseError, std::string("malformed JSON: ") + e.what())));
    return out;
  }
  if (!message.is_object()) {
    out.push_back(serialise(error_response(nullptr, kInvalidRequest, "a message must be a JSON object")));
    return out;
  }
  bool has_id = message.contains("id");
  json id = has_id ? message["id"] : json(nullptr);
  if (has_id && !id.is_string() && !id.is_number_integer() && !id.is_null()) {
    out.push_back(serialise(error_response(nullptr, kInvalidRequest, "`id` must be a number or a string")));
    return out;
  }
  if (!message.contains("method")) {
    // A response to a request of ours (we send none) is ignored; anything else is invalid.
    if (has_id && (message.contains("result") || message.contains("error"))) return out;
    out.push_back(serialise(error_response(id, kInvalidRequest, "a request needs a `method`")));
    return out;
  }
  if (!message["method"].is_string()) {
    out.push_back(serialise(error_response(id, kInvalidRequest, "`method` must be a string")));
    return out;
  }
  std::string method = message["method"].get<std::string>();
  json params = message.contains("params") ? message["params"] : json::object();

  if (!has_id) {
    try {
      notification(method, params);
    } catch (const std::exception&) {
      // Notifications have no reply: a malformed one is dropped.
    }
  } else if (!initialized_ && method != "initialize") {
    out.push_back(serialise(error_response(id, kServerNotInitialized, "the server is not initialized")));
  } else if (shutdown_) {
    out.push_back(serialise(error_response(id, kInvalidRequest, "the server is shutting down")));
  } else {
    try {
      bool handled = true;
      json result = dispatch(method, params, handled);
      if (!handled)
        out.push_back(serialise(error_response(id, kMethodNotFound, "unknown method `" + method + "`")));
      else
        out.push_back(serialise({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}));
    } catch (const InvalidParams& e) {
      out.push_back(serialise(error_response(id, kInvalidParams, e.what())));
    } catch (const json::exception& e) {
      out.push_back(serialise(error_response(id, kInvalidParams, e.what())));
    } catch (const std::exception& e) {
      out.push_back(serialise(error_response(id, kInternalError, e.what())));
    }
  }
  for (auto& note : outbox_) out.push_back(std::move(note));
  outbox_.clear();
  return out;
}

json Server::dispatch(const std::string& method, const json& params, bool& handled) {
  if (method == "initialize") {
    initialized_ = true;
    return initialize_result();
  }
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "textDocument/documentSymbol") return document_symbols(*document_of(params).analysis);
  if (method == "textDocument/hover") {
    Document& document = document_of(params);
    return hover(*document.analysis, offset_of_position(document, params));
  }
  if (method == "textDocument/definition") {
    Document& document = document_of(params);
    return definition(*document.analysis, offset_of_position(document, params));
  }
  if (method == "textDocument/completion") {
    Document& document = document_of(params);
    return completion(*document.analysis, offset_of_position(document, params));
  }
  if (method == "textDocument/formatting") {
    Document& document = document_of(params);
    return formatting(document.path, document.text);
  }
  handled = false;
  return nullptr;
}

void Server::notification(const std::string& method, const json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_) return;  // LSP: notifications before initialize are dropped
  if (method == "textDocument/didOpen") {
    const json& item = member(params, "textDocument");
    open(string_member(item, "uri"), string_member(item, "text"));
  } else if (method == "textDocument/didChange") {
    change(params);
  } else if (method == "textDocument/didClose") {
    close(string_member(member(params, "textDocument"), "uri"));
  }
  // initialized, didSave, $/cancelRequest, $/setTrace and the rest need nothing.
}

void Server::open(const std::string& uri, std::string text) {
  Document& document = documents_[uri];
  document.uri = uri;
  document.path = path_of_uri(uri);
  if (document.path.empty()) document.path = uri;  // untitled: analyse as a file here
  document.text = std::move(text);
  analyse(document);
}

void Server::change(const json& params) {
  std::string uri = string_member(member(params, "textDocument"), "uri");
  auto it = documents_.find(uri);
  if (it == documents_.end()) return;
  Document& document = it->second;
  const json& changes = member(params, "contentChanges");
  if (!changes.is_array()) return;
  for (const auto& change : changes) {
    std::string text = string_member(change, "text");
    if (!change.contains("range")) {
      document.text = std::move(text);
      continue;
    }
    SourceMap scratch;
    const SourceFile& file = scratch.add(document.path, document.text);
    const json& range = change.at("range");
    std::uint32_t begin = lsp::offset_of(file, integer_member(range.at("start"), "line"),
                                         integer_member(range.at("start"), "character"));
    std::uint32_t end = lsp::offset_of(file, integer_member(range.at("end"), "line"),
                                       integer_member(range.at("end"), "character"));
    if (end < begin) std::swap(begin, end);
    document.text = document.text.substr(0, begin) + text + document.text.substr(end);
  }
  analyse(document);
}

void Server::close(const std::string& uri) {
  auto it = documents_.find(uri);
  if (it == documents_.end()) return;
  publish(uri, json::array());
  for (const auto& other : it->second.other_uris) publish(other, json::array());
  documents_.erase(it);
}

void Server::analyse(Document& document) {
  // The parser's shared caches only grow; a long session empties them now and then.
  if (++analyses_ % 200 == 0) clear_parser_caches();
  document.analysis = std::make_unique<DocumentAnalysis>(analyse_document(document.path, document.text));
  std::set<std::string> published;
  for (const auto& [file, diagnostics] : document.analysis->diagnostics) {
    if (file == document.analysis->path) {
      publish(document.uri, diagnostics);
      continue;
    }
    std::string uri = uri_of_path(file);
    if (documents_.count(uri)) continue;  // an open file publishes its own
    publish(uri, diagnostics);
    published.insert(uri);
  }
  for (const auto& stale : document.other_uris)
    if (!published.count(stale)) publish(stale, json::array());
  document.other_uris = std::move(published);
}

Server::Document& Server::document_of(const json& params) {
  std::string uri = string_member(member(params, "textDocument"), "uri");
  auto it = documents_.find(uri);
  if (it != documents_.end()) return it->second;
  std::string path = path_of_uri(uri);
  bool ok = false;
  std::string text = path.empty() ? "" : read_file(path, ok);
  if (!ok) throw InvalidParams("`" + uri + "` is neither open nor a readable file");
  // Analyse a closed file for this request only, without publishing diagnostics for it.
  closed_.uri = uri;
  closed_.path = path;
  closed_.text = std::move(text);
  closed_.analysis = std::make_unique<DocumentAnalysis>(analyse_document(path, closed_.text));
  return closed_;
}

std::uint32_t Server::offset_of_position(const Document& document, const json& params) const {
  const json& position = member(params, "position");
  return lsp::offset_of(*document.analysis->main().file, integer_member(position, "line"),
                        integer_member(position, "character"));
}

void Server::publish(const std::string& uri, const json& diagnostics) {
  outbox_.push_back(serialise({{"jsonrpc", "2.0"},
                               {"method", "textDocument/publishDiagnostics"},
                               {"params", {{"uri", uri}, {"diagnostics", diagnostics}}}}));
}

}  // namespace mlf::lsp
