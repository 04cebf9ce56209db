// The language server's protocol logic: JSON-RPC 2.0 requests and notifications in, responses
// and notifications out, with the open documents and their latest analysis.
//
// Takes: one message body at a time (message_framing.h frames them).
// Promises: never throws and never crashes on what a client sends: malformed JSON is a Parse
// error (-32700), a message that is not a request an Invalid Request (-32600), an unknown
// method Method Not Found (-32601; unknown notifications are ignored), bad params Invalid
// Params (-32602), a request before `initialize` ServerNotInitialized (-32002), anything
// unexpected inside a feature InternalError (-32603) — and the server goes on. Documents are
// synchronised in full (a ranged change is applied too); each open or change re-analyses the
// document and publishes its diagnostics (and those of imported files that are not open).
// Does not: read or write streams (lsp_command.cpp does).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/lsp/document_analysis.h"

namespace mlf::lsp {

class Server {
 public:
  // The messages to send in answer to `body` (serialised JSON), in order.
  std::vector<std::string> handle(const std::string& body);
  // A message whose header could not be read: the Parse error response to send.
  std::string framing_error(const std::string& what);

  bool exited() const { return exited_; }
  int exit_code() const { return shutdown_ ? 0 : 1; }  // as LSP's `exit` prescribes

 private:
  struct Document {
    std::string uri, path, text;
    std::unique_ptr<DocumentAnalysis> analysis;
    std::set<std::string> other_uris;  // imported files we published diagnostics for
  };

  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, bool& handled);
  void notification(const std::string& method, const nlohmann::json& params);
  nlohmann::json initialize_result() const;

  void open(const std::string& uri, std::string text);
  void change(const nlohmann::json& params);
  void close(const std::string& uri);
  void analyse(Document& document);
  // The analysed document of a request's textDocument.uri (read from disk if not open).
  Document& document_of(const nlohmann::json& params);
  std::uint32_t offset_of_position(const Document& document, const nlohmann::json& params) const;

  void publish(const std::string& uri, const nlohmann::json& diagnostics);

  std::map<std::string, Document> documents_;  // by URI
  Document closed_;  // a file asked about without being open
  std::vector<std::string> outbox_;            // notifications produced while handling
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
  int analyses_ = 0;
};

}  // namespace mlf::lsp
