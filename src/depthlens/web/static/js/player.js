// The five-operation player (being written).
export class OperationPlayer { constructor(root, api) { this.root = root; this.api = api; this.kinds = ["operations"]; } }
