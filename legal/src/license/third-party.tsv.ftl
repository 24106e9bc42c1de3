<#-- The license-maven-plugin's third-party list as tab-separated values, one dependency a line:
     groupId:artifactId:version, scope, name, url, licences (separated by " | ").
     Read by dev.alignguard.legal.ThirdPartyList; the NOTICE is rendered from it. -->
<#list dependencyMap as e>
<#assign p = e.getKey()/>
${p.groupId}:${p.artifactId}:${p.version}	${p.artifact.scope!""}	${p.name!p.artifactId}	${p.url!""}	${e.getValue()?join(" | ")}
</#list>
