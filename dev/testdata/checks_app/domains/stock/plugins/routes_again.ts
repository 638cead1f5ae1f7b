import type { Http } from "@tools/http/mod.ts";

export default class RoutesAgain {
  constructor(private http: Http) {}
  onBoot() {
    this.http.addEndpoint("/items/:itemId", "GET", () => ({}));
  }
}
