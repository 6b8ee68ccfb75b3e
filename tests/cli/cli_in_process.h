#pragma once
// gossiplab-cli's commands called in the test's own process, with their stdout and stderr
// captured: no process start and no LibTorch load per call (about a second each, more on a loaded
// machine). gossiplab::cli::main is what the program's main() calls, so a command line behaves
// here as in the program; the cases that need a process of their own (kill -9, Ctrl+C, the
// program end to end) still start one. Used by tests/core/test_cli_history.cpp and
// tests/experiments/test_cli_sweep*.cpp.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include "core/cli/cli.h"

namespace cli_in_process {

struct Output {
    int exit_code = -1;
    QString out, err;
};

namespace detail {

inline QString readBack(FILE* file) {
    std::string text;
    std::rewind(file);
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
    return QString::fromStdString(text);
}

// stdout and stderr into two files while it lives; the terminal's back after (also when the
// command throws, so that the test's own report is seen).
class Redirect {
public:
    Redirect() : out_(std::tmpfile()), err_(std::tmpfile()) {
        std::fflush(stdout);
        std::fflush(stderr);
        saved_out_ = dup(STDOUT_FILENO);
        saved_err_ = dup(STDERR_FILENO);
        dup2(fileno(out_), STDOUT_FILENO);
        dup2(fileno(err_), STDERR_FILENO);
    }
    ~Redirect() { restore(); }
    Redirect(const Redirect&) = delete;
    Redirect& operator=(const Redirect&) = delete;
    Output finish(int exit_code) {
        restore();
        Output r;
        r.exit_code = exit_code;
        r.out = readBack(out_);
        r.err = readBack(err_);
        return r;
    }

private:
    void restore() {
        if (saved_out_ < 0) return;
        std::fflush(stdout);
        std::fflush(stderr);
        dup2(saved_out_, STDOUT_FILENO);
        dup2(saved_err_, STDERR_FILENO);
        close(saved_out_);
        close(saved_err_);
        saved_out_ = saved_err_ = -1;
    }
    FILE* out_;
    FILE* err_;
    int saved_out_ = -1, saved_err_ = -1;
};

// XDG_DATA_HOME set to `home` while it lives (the default history is then HOME/gossiplab/...).
class DataHome {
public:
    explicit DataHome(const QString& home) {
        if (const char* v = std::getenv("XDG_DATA_HOME")) saved_ = std::string(v);
        setenv("XDG_DATA_HOME", home.toLocal8Bit().constData(), 1);
    }
    ~DataHome() {
        if (saved_) setenv("XDG_DATA_HOME", saved_->c_str(), 1);
        else unsetenv("XDG_DATA_HOME");
    }
    DataHome(const DataHome&) = delete;
    DataHome& operator=(const DataHome&) = delete;

private:
    std::optional<std::string> saved_;
};

}  // namespace detail

// Any command function, e.g. [&] { return gossiplab::cli::runsCommand({"--db", db}); }.
inline Output capture(const std::function<int()>& command) {
    detail::Redirect redirect;
    const int code = command();
    return redirect.finish(code);
}

// `gossiplab-cli ARGS...` in this process, with XDG_DATA_HOME=home as the test's processes get it.
inline Output cli(const QTemporaryDir& home, const QStringList& args) {
    std::vector<std::string> words = {"gossiplab-cli"};
    for (const QString& a : args) words.push_back(a.toStdString());
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    detail::DataHome data_home(home.path());
    return capture([&] { return gossiplab::cli::main(static_cast<int>(words.size()), argv.data()); });
}

}  // namespace cli_in_process
