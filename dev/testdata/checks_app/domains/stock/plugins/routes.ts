import type { Http } from "@tools/http/mod.ts";

export default class Routes {
  constructor(private http: Http) {}
  onBoot() {
    this.http.addEndpoint("/items/:id", "GET", () => ({}));
  }
}
