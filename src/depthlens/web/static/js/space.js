// The hidden-space panel and the separability bars (being written).
export class SpacePanel { constructor(root, api) { this.root = root; this.api = api; this.kinds = ["space"]; } }
export class ProbeBars { constructor(root, api) { this.root = root; this.api = api; this.kinds = ["probes"]; } }
