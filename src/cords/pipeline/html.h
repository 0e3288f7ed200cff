#pragma once
// Text for the HTML pages the tool writes (a summary's index.html, a batch's gallery).
#include <filesystem>
#include <string>

namespace cords::pipeline {

/// `s` with & < > " escaped, for HTML text and attribute values.
std::string html(const std::string& s);
/// A relative path as a URL path: each segment percent-encoded where needed.
std::string url(const std::filesystem::path& rel);
/// An absolute path as a file:// URL, its segments encoded as url() encodes them.
std::string file_url(const std::filesystem::path& absolute);

}  // namespace cords::pipeline
