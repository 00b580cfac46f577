/** The labels an image build puts on its snapshot and on its short-lived build server. */
import {
  berthImageKind,
  berthImageSelector,
  imageLabels as names,
  serverLabels,
} from "../../../protocol/src/workspace.ts";

export function imageLabels(deployment: string, recipeHash: string): Record<string, string> {
  return { [names.image]: berthImageKind, [names.recipe]: recipeHash, [names.deployment]: deployment };
}

export function imageSelector(deployment: string, recipeHash: string): string {
  return berthImageSelector(deployment, recipeHash);
}

/**
 * Managed by Berth and of this deployment, so the reconciler's sweep finds a server a crashed build
 * left behind; `berth.image-build` makes it wait out the build's time before removing it.
 */
export function buildServerLabels(deployment: string, recipeHash: string): Record<string, string> {
  return {
    [serverLabels.managedBy]: "berth",
    [serverLabels.deployment]: deployment,
    [serverLabels.imageBuild]: recipeHash,
  };
}
