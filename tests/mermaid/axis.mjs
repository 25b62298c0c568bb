// The tick labels Mermaid draws on a gantt chart's axis (`dateFormat x`): a d3 time scale over the run
// and d3's timeFormat of the chart's `axisFormat`, as Mermaid's gantt renderer does.
// stdin: {"end": <ms>, "axisFormat": "<d3 format>"}; stdout: the labels, as a JSON array.
import fs from "node:fs";
import { scaleTime } from "d3-scale";
import { timeFormat } from "d3-time-format";
const { end, axisFormat } = JSON.parse(fs.readFileSync(0, "utf8"));
const scale = scaleTime().domain([new Date(0), new Date(end)]);
console.log(JSON.stringify(scale.ticks().map(timeFormat(axisFormat))));
