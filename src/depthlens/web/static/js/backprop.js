// The gradient view and the backprop stepper (being written).
export class BackpropStepper { constructor(root, api) { this.root = root; this.api = api; this.kinds = ["backprop", "gradients"]; } }
