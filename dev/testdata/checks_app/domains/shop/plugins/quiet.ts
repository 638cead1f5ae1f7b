/** Has an onBoot that registers nothing (a warning). */
export default class Quiet {
  onBoot() {}
}
