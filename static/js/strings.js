// Every string the pages show, in Chinese (the default) and English.
import en from "./strings/en.js";
import zh from "./strings/zh-CN.js";

export const STRINGS = { "zh-CN": zh, en };
