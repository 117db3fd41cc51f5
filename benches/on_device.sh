#!/usr/bin/env bash
# The GPU machine's side of benches/speed_on_gpu.sh, for a machine with no Rust and no network:
# installs the Vulkan loader from the Debian packages in .gl/ when the system has none, unpacks
# the xz-compressed release binaries of .bin/ (pinn-fused.xz: `--features
# wgpu,cuda,fusion,persistence`; pinn-plain.xz, optional: `--features wgpu,cuda`), and runs the
# measurements into $OUT within SECONDS, skipping what no longer fits.
#
#   benches/on_device.sh SECONDS [PART ...]      # e.g. as the device's command: 540 info peers cuda
#
# Preparing .gl/ and .bin/ on the development machine (both ignored by git):
#   CUDARC_CUDA_VERSION=13000 cargo build --release -p pinn-cli --features wgpu,cuda,fusion,persistence
#   strip -o /tmp/pinn-fused TARGET/release/pinn && xz -T2 -6 -c /tmp/pinn-fused >.bin/pinn-fused.xz
#   (the same with `--features wgpu,cuda` into .bin/pinn-plain.xz, in another target directory)
set -u
cd "$(dirname "$0")/.."
budget=${1:?usage: benches/on_device.sh SECONDS [PART ...]}
shift
start=$SECONDS
if ! ldconfig -p | grep -q libvulkan.so.1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES=$icd
bin=$(mktemp -d)
for b in pinn-fused pinn-plain; do
  [ -f ".bin/$b.xz" ] && xz -dc ".bin/$b.xz" >"$bin/$b" && chmod +x "$bin/$b"
done
plain=$bin/pinn-plain
[ -x "$plain" ] || plain=-
echo "unpacked in $((SECONDS - start)) s: $(ls "$bin")"
BUDGET_S=$((budget - (SECONDS - start))) benches/speed_on_gpu.sh "${OUT:?OUT names the output directory}" \
  "$bin/pinn-fused" "$plain" "$@"
