// The Lab tab (being written).
export class LabTab { constructor(root, hooks) { this.root = root; this.hooks = hooks; } }
