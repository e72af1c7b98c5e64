#!/usr/bin/env bash
# Deploys an image tag to the K3s cluster of the current kubectl context:
#   deploy/deploy.sh <image-tag> [overlay]
# It checks that the secret exists, runs the migration job, applies the overlay and waits for the
# rollouts. The image must already be in the registry named by the overlay.
set -euo pipefail

tag="${1:?usage: deploy/deploy.sh <image-tag> [overlay (default: production)]}"
overlay="${2:-production}"
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/kubernetes/overlays/$overlay"
namespace=skillancer

[ -d "$dir" ] || { echo "deploy: overlay $overlay not found under $here/kubernetes/overlays" >&2; exit 2; }
kubectl get namespace "$namespace" >/dev/null 2>&1 || kubectl create namespace "$namespace"
if ! kubectl -n "$namespace" get secret skillancer-secrets >/dev/null 2>&1; then
  echo "deploy: secret skillancer-secrets is missing in namespace $namespace; fill in deploy/kubernetes/base/secrets.template.yaml and apply it first" >&2
  exit 2
fi

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
(cd "$dir" && kubectl kustomize . | sed "s#\(image: .*platform-core\):latest#\1:$tag#") > "$rendered"

echo "==> Applying the config map (the migration job reads it)"
kubectl -n "$namespace" apply -f "$here/kubernetes/base/configmap.yaml"

echo "==> Running database migrations ($tag)"
kubectl -n "$namespace" delete job skillancer-migrate --ignore-not-found
image="$(grep -m1 'image:' "$rendered" | awk '{print $2}')"
sed "s#image: skillancer/platform-core:latest#image: $image#" "$here/kubernetes/base/migrate-job.yaml" | kubectl -n "$namespace" apply -f -
kubectl -n "$namespace" wait --for=condition=complete --timeout=300s job/skillancer-migrate

echo "==> Applying $overlay"
kubectl apply -f "$rendered"
for deployment in auth-svc skillpod-svc cockpit-svc; do
  kubectl -n "$namespace" rollout status "deployment/$deployment" --timeout=300s
done
echo "==> Deployed $tag"
