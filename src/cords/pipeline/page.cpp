#include "cords/pipeline/page.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cords/core/text.h"
#include "cords/core/timestamp.h"
#include "cords/pipeline/html.h"
#include "cords/pipeline/thumbnails.h"

namespace cords::pipeline {
namespace fs = std::filesystem;
namespace {

// The page's data: the clip's parts, the shots, the thumbnails' cues, the keyframes (seconds from the video's start).
nlohmann::json page_data(const SummarizeConfig& cfg, const SummaryResult& res, const std::string& original) {
  using nlohmann::json;
  json parts = json::array(), shots = json::array(), thumbs = json::array(), keys = json::array();
  double at = 0;
  for (const auto& s : res.clip_segments) {
    parts.push_back({{"at", at}, {"start", s.start}, {"end", s.end}});
    at += s.end - s.start;
  }
  for (const auto& s : res.shot_spans) shots.push_back({{"start", s.start}, {"end", s.end}});
  for (std::size_t i = 0; i < res.thumbnails.size() && !res.thumbnail_files.empty(); ++i) {
    const SpriteTile tile = sprite_tile(res.thumbnails, i);
    thumbs.push_back({{"t", res.thumbnails[i].seconds},
                      {"sprite", tile.sprite},
                      {"x", tile.x},
                      {"y", tile.y},
                      {"w", tile.w},
                      {"h", tile.h}});
  }
  for (const auto& k : res.keyframes)
    keys.push_back({{"t", k.ts.seconds() - res.info.start}, {"image", k.image}, {"shot", k.shot}});
  return {{"duration", res.info.duration},
          {"clip", cfg.write_clip ? json(cfg.clip_name) : json(nullptr)},
          {"original", original},
          {"parts", parts},
          {"shots", shots},
          {"thumbs", thumbs},
          {"keyframes", keys}};
}

// The page's script: chapters tracks made in the page (a <track src> is refused from file://), the thumbnail
// preview over the original's seek bar, clicks that seek; and what a browser test reads back in body's data-*.
constexpr const char* kScript = R"JS(
function fmt(t){t=Math.max(0,t);var m=Math.floor(t/60),s=(t%60).toFixed(1);return m+':'+(s<10?'0':'')+s;}
function chapters(v,label,cues){var tr=v.addTextTrack('chapters',label);
  cues.forEach(function(c){tr.addCue(new VTTCue(c[0],c[1],c[2]));});tr.mode='hidden';return tr.cues.length;}
var B=document.body.dataset,clip=document.getElementById('clip'),orig=document.getElementById('orig');
B.thumbs=D.thumbs.length;
if(clip){B.chapters=chapters(clip,'parts',D.parts.map(function(p,i){
  return [p.at,p.at+p.end-p.start,'Part '+(i+1)+': '+fmt(p.start)+' of the original'];}));
  clip.addEventListener('loadedmetadata',function(){B.clipDuration=clip.duration.toFixed(2);});
  var ol=document.getElementById('parts');D.parts.forEach(function(p,i){var li=document.createElement('li');
    li.textContent=fmt(p.at)+' \u2014 from '+fmt(p.start)+' to '+fmt(p.end)+' of the original';
    li.onclick=function(){clip.currentTime=p.at;clip.play();};ol.appendChild(li);});}
B.shots=chapters(orig,'shots',D.shots.map(function(s,i){return [s.start,s.end,'Shot '+(i+1)+' ('+fmt(s.start)+')'];}));
orig.addEventListener('loadedmetadata',function(){B.originalDuration=orig.duration.toFixed(2);});
var bar=document.getElementById('bar'),tip=document.getElementById('tip'),img=document.getElementById('tipimg'),
    tt=document.getElementById('tiptime');
function thumbAt(t){var c=null;D.thumbs.forEach(function(x){if(x.t<=t+1e-6)c=x;});return c||D.thumbs[0];}
function hover(frac){var t=frac*D.duration,c=thumbAt(t);tt.textContent=fmt(t);tip.style.left=(frac*100)+'%';
  tip.style.display='block';if(!c)return '';img.style.width=c.w+'px';img.style.height=c.h+'px';
  img.style.backgroundImage='url("'+c.sprite+'")';img.style.backgroundPosition=(-c.x)+'px '+(-c.y)+'px';
  return c.sprite+'#xywh='+c.x+','+c.y+','+c.w+','+c.h;}
bar.addEventListener('mousemove',function(e){var r=bar.getBoundingClientRect();hover((e.clientX-r.left)/r.width);});
bar.addEventListener('mouseleave',function(){tip.style.display='none';});
bar.addEventListener('click',function(e){var r=bar.getBoundingClientRect();
  orig.currentTime=(e.clientX-r.left)/r.width*D.duration;});
orig.addEventListener('timeupdate',function(){document.getElementById('played').style.width=
  (100*orig.currentTime/Math.max(D.duration,1e-9))+'%';});
document.querySelectorAll('[data-t]').forEach(function(k){k.onclick=function(){orig.currentTime=+k.dataset.t;
  orig.scrollIntoView({behavior:'smooth'});};});
window.addEventListener('load',function(){var sprites={},loaded=0,n=0;D.thumbs.forEach(function(x){sprites[x.sprite]=1;});
  Object.keys(sprites).forEach(function(s){n++;var i=new Image();i.onload=function(){B.spritesLoaded=++loaded;};i.src=s;});
  B.sprites=n;B.hover=D.thumbs.length?hover(0.5):'';
  if(location.hash!=='#hover')tip.style.display='none';
  var ok=0;document.querySelectorAll('.keys img').forEach(function(x){if(x.complete&&x.naturalWidth>0)ok++;});
  B.keyframesShown=ok;var p=document.getElementById('preview');if(p)B.previewWidth=p.naturalWidth;});
)JS";

constexpr const char* kStyle =
    "body{margin:0;font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;background:#16181d;color:#e6e6e6}"
    "header{padding:18px 28px;border-bottom:1px solid #2c2f36;position:relative}"
    "#preview{position:absolute;right:28px;top:10px;height:64px;border-radius:4px}"
    "h1{margin:0 0 4px;font-size:22px;word-break:break-all}"
    "h2{font-size:17px;margin:22px 0 10px}.meta{color:#9aa0aa}main{padding:4px 28px 28px;max-width:1100px}"
    "video{width:100%;max-height:62vh;background:#000;border-radius:8px}"
    "ol{color:#c8ccd4;padding-left:22px}li{cursor:pointer;margin:3px 0}li:hover{color:#8ab4ff}"
    "#bar{position:relative;height:14px;background:#2c2f36;border-radius:7px;margin:8px 0;cursor:pointer}"
    "#played{height:100%;width:0;background:#4a7dff;border-radius:7px}"
    "#tip{display:none;position:absolute;bottom:20px;transform:translateX(-50%);background:#000;padding:3px;"
    "border-radius:4px;pointer-events:none;text-align:center;font-size:12px}#tipimg{background-repeat:no-repeat}"
    ".keys{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}"
    ".keys figure{margin:0;cursor:pointer}.keys img{width:100%;display:block;border-radius:4px}"
    ".keys figcaption{color:#9aa0aa;font-size:12px}a{color:#8ab4ff}";

}  // namespace

std::string summary_page(const SummarizeConfig& cfg, const SummaryResult& res, const std::string& final_dir) {
  std::error_code ec;
  const fs::path input = fs::absolute(cfg.input, ec).lexically_normal();
  fs::path rel = fs::absolute(final_dir, ec).lexically_normal();
  rel = input.lexically_relative(rel);
  const std::string original = rel.empty() ? file_url(input) : url(rel);
  std::string data = page_data(cfg, res, original).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (std::size_t at = 0; (at = data.find("</", at)) != std::string::npos;) data.replace(at, 2, "<\\/");
  const std::string name = fs::path(cfg.input).filename().string();
  std::ostringstream h;
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
    << html(name) << " - summary</title><style>" << kStyle << "</style></head><body>\n<header><h1>" << html(name)
    << "</h1><div class=\"meta\">" << format_time(std::max(0.0, res.info.duration)) << " &middot; "
    << plural(static_cast<long long>(res.shot_spans.size()), "shot") << " &middot; "
    << plural(static_cast<long long>(res.keyframes.size()), "keyframe")
    << " &middot; <a href=\"summary.json\">manifest</a></div>";
  if (std::find(res.preview_files.begin(), res.preview_files.end(), "preview.webp") != res.preview_files.end())
    h << "<img id=\"preview\" src=\"preview.webp\" alt=\"hover preview\" title=\"the hover preview (preview.webp)\">";
  h << "</header>\n<main>\n";
  if (cfg.write_clip)
    h << "<h2>Summary clip</h2><video id=\"clip\" controls preload=\"metadata\" src=\"" << url(cfg.clip_name)
      << "\"></video><ol id=\"parts\"></ol>\n";
  h << "<h2>Original video</h2><video id=\"orig\" controls preload=\"metadata\" src=\"" << html(original)
    << "\"></video><div id=\"bar\" title=\"hover for a preview, click to seek\"><div id=\"played\"></div>"
       "<div id=\"tip\"><div id=\"tipimg\"></div><span id=\"tiptime\"></span></div></div>\n";
  if (!res.keyframes.empty() && !res.keyframes.front().image.empty()) {
    h << "<h2>Keyframes</h2><div class=\"keys\">";
    for (const auto& k : res.keyframes)
      h << "<figure data-t=\"" << k.ts.seconds() - res.info.start << "\"><img loading=\"lazy\" src=\"" << url(k.image)
        << "\" alt=\"keyframe at " << format_time(k.ts.seconds() - res.info.start) << "\"><figcaption>"
        << format_time(k.ts.seconds() - res.info.start) << " &middot; shot " << k.shot + 1 << "</figcaption></figure>";
    h << "</div>\n";
  }
  h << "</main>\n<script>var D=" << data << ";" << kScript << "</script></body></html>\n";
  return h.str();
}

}  // namespace cords::pipeline
