// The editor side of the language: starts `mlf lsp` (stdio JSON-RPC) for .mlflow files.
// Everything the server knows (diagnostics, symbols, hover, definitions, formatting,
// completion) comes from mlf itself; this file only starts, restarts and stops it.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function serverOptions() {
  // A bare name is looked up on PATH; `mlf.path` may name another build of mlf.
  const command = vscode.workspace.getConfiguration('mlf').get('path') || 'mlf';
  return { command, args: ['lsp'], transport: TransportKind.stdio };
}

async function start() {
  client = new LanguageClient('mlf', 'mlf language server', serverOptions(), {
    documentSelector: [
      { scheme: 'file', language: 'mlflow' },
      { scheme: 'untitled', language: 'mlflow' },
    ],
    synchronize: {
      // Imports and mlflow.toml change what a file means without the file changing.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.mlflow,mlflow.toml}'),
    },
  });
  try {
    await client.start();
  } catch (error) {
    const command = serverOptions().command;
    vscode.window.showErrorMessage(
      `mlf: could not start \`${command} lsp\` (${error.message || error}). ` +
        'Set `mlf.path` to the mlf executable.');
  }
}

async function stop() {
  if (!client) return;
  const running = client;
  client = undefined;
  try {
    await running.stop();
  } catch (_) {
    // A server that never started has nothing to stop.
  }
}

async function restart() {
  await stop();
  await start();
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand('mlf.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('mlf.path')) restart();
    }),
    { dispose: stop });
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
