import type { Http } from "@tools/http/mod.ts";

export default class Mixed {
  constructor(private http: Http, { db }: { db: unknown }) {
    void db;
  }
}
