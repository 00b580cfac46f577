import { resetScreenshots } from "./browser.ts";

/** Once per run, before any test file: the screenshots folder holds this run's pictures only. */
export default function setup() {
  resetScreenshots();
}
