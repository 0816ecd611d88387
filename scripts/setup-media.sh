#!/usr/bin/env bash
# Generates the synthetic test stream the real-browser harness plays: testsrc2 video with noise (so the
# encoder really spends the target bitrate) and a sine tone, H.264/AAC, on the Pensieve ladder
# 300/750/1200/1850/2850/4300 kbps (total, video + 64 kbps audio), 4 s segments, packaged as HLS fMP4
# (master + media playlists, audio muxed with video) and as DASH (one video and one audio adaptation set).
#
# usage: scripts/setup-media.sh [--duration S] [--out DIR]     (defaults: 60 s, .cache/media)
# Idempotent: does nothing if DIR/stream.json exists for the same duration.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION_S=60
OUT=.cache/media
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION_S="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "setup-media: unknown option $1" >&2; exit 2 ;;
  esac
done

SEGMENT_S=4
FPS=25
AUDIO_KBPS=64
# Pensieve ladder (total kbps) and a resolution per rung, kept low so encoding stays fast.
LADDER_KBPS=(300 750 1200 1850 2850 4300)
SIZES=(320x180 480x270 640x360 768x432 960x540 1280x720)

if [ -f "$OUT/stream.json" ] && grep -q "\"durationS\": $DURATION_S," "$OUT/stream.json"; then
  echo "setup-media: $OUT already holds a ${DURATION_S} s stream"
  exit 0
fi
command -v ffmpeg >/dev/null || { echo "setup-media: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/hls" "$OUT/dash"
GOP=$((SEGMENT_S * FPS))

for i in "${!LADDER_KBPS[@]}"; do
  total=${LADDER_KBPS[$i]}
  video=$((total - AUDIO_KBPS))
  echo "setup-media: rung $i ${total} kbps (${SIZES[$i]})"
  nice -n 19 ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=${SIZES[$i]}:rate=${FPS},noise=alls=24:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -t "$DURATION_S" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -b:v "${video}k" -minrate "${video}k" -maxrate "${video}k" -bufsize "$((video / 2))k" \
    -g "$GOP" -keyint_min "$GOP" -sc_threshold 0 \
    -c:a aac -b:a "${AUDIO_KBPS}k" -ac 2 \
    "$OUT/src/r$i.mp4"
  mkdir -p "$OUT/hls/r$i"
  ffmpeg -hide_banner -loglevel error -y -i "$OUT/src/r$i.mp4" -c copy \
    -f hls -hls_time "$SEGMENT_S" -hls_playlist_type vod -hls_segment_type fmp4 \
    -hls_fmp4_init_filename init.mp4 -hls_segment_filename "$OUT/hls/r$i/seg%03d.m4s" \
    "$OUT/hls/r$i/index.m3u8"
done

# Master playlist: BANDWIDTH is the nominal rung (the same figure the simulator uses).
{
  echo "#EXTM3U"
  echo "#EXT-X-VERSION:7"
  echo "#EXT-X-INDEPENDENT-SEGMENTS"
  for i in "${!LADDER_KBPS[@]}"; do
    echo "#EXT-X-STREAM-INF:BANDWIDTH=$((LADDER_KBPS[$i] * 1000)),AVERAGE-BANDWIDTH=$((LADDER_KBPS[$i] * 1000)),RESOLUTION=${SIZES[$i]},CODECS=\"avc1.42c01f,mp4a.40.2\",FRAME-RATE=${FPS}"
    echo "r$i/index.m3u8"
  done
} > "$OUT/hls/master.m3u8"

# DASH: every rung's video plus one audio track, segment template, 4 s segments.
SRC_ABS=$(cd "$OUT/src" && pwd)
inputs=()
maps=()
for i in "${!LADDER_KBPS[@]}"; do
  inputs+=(-i "$SRC_ABS/r$i.mp4")
  maps+=(-map "$i:v:0")
done
(cd "$OUT/dash" && ffmpeg -hide_banner -loglevel error -y "${inputs[@]}" "${maps[@]}" -map 0:a:0 -c copy \
  -f dash -seg_duration "$SEGMENT_S" -use_template 1 -use_timeline 0 \
  -init_seg_name 'init-$RepresentationID$.mp4' -media_seg_name 'seg-$RepresentationID$-$Number%03d$.m4s' \
  -adaptation_sets "id=0,streams=v id=1,streams=a" manifest.mpd)

rm -rf "$OUT/src"
kbps_json=$(IFS=,; echo "${LADDER_KBPS[*]}")
cat > "$OUT/stream.json" <<EOF
{ "durationS": $DURATION_S, "segmentDurationS": $SEGMENT_S, "ladderKbps": [$kbps_json], "hls": "hls/master.m3u8", "dash": "dash/manifest.mpd" }
EOF
echo "setup-media: wrote $OUT ($(du -sh "$OUT" | cut -f1))"
