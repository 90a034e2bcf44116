// Your own data: CSV upload and clicked points (being written).
export class UserData { constructor(root, api) { this.root = root; this.api = api; } }
