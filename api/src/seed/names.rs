//! Fixed word lists the generator draws from: real central units and enterprises, and the
//! building blocks of synthetic names, posts, projects and purposes.

/// Central units (ministries, policy banks, state enterprises) with their demo codes and short names.
pub const CENTRAL_UNITS: &[(&str, &str, &str)] = &[
    ("CU-MOE", "教育部", "教育部"),
    ("CU-MOF", "财政部", "财政部"),
    ("CU-MARA", "农业农村部", "农业农村部"),
    ("CU-NHC", "国家卫生健康委员会", "国家卫健委"),
    ("CU-MOT", "交通运输部", "交通运输部"),
    ("CU-MWR", "水利部", "水利部"),
    ("CU-MOFCOM", "商务部", "商务部"),
    ("CU-MOST", "科学技术部", "科技部"),
    ("CU-MIIT", "工业和信息化部", "工信部"),
    ("CU-MOHRSS", "人力资源和社会保障部", "人社部"),
    ("CU-MNR", "自然资源部", "自然资源部"),
    ("CU-MEE", "生态环境部", "生态环境部"),
    ("CU-MOHURD", "住房和城乡建设部", "住建部"),
    ("CU-MCT", "文化和旅游部", "文旅部"),
    ("CU-NFGA", "国家林业和草原局", "国家林草局"),
    ("CU-CAS", "中国科学院", "中科院"),
    ("CU-PBC", "中国人民银行", "人民银行"),
    ("CU-CDB", "国家开发银行", "国开行"),
    ("CU-ADBC", "中国农业发展银行", "农发行"),
    ("CU-ABC", "中国农业银行", "农业银行"),
    ("CU-ICBC", "中国工商银行", "工商银行"),
    ("CU-CCB", "中国建设银行", "建设银行"),
    ("CU-BOC", "中国银行", "中国银行"),
    ("CU-SGCC", "国家电网有限公司", "国家电网"),
    ("CU-CSG", "中国南方电网有限责任公司", "南方电网"),
    ("CU-CNPC", "中国石油天然气集团有限公司", "中国石油"),
    ("CU-SINOPEC", "中国石油化工集团有限公司", "中国石化"),
    ("CU-CMCC", "中国移动通信集团有限公司", "中国移动"),
    ("CU-COFCO", "中粮集团有限公司", "中粮集团"),
    ("CU-HUANENG", "中国华能集团有限公司", "中国华能"),
];

/// Enterprises of the "ten thousand enterprises help ten thousand villages" campaign.
pub const ENTERPRISES: &[(&str, &str, &str)] = &[
    ("ENT-WANDA", "大连万达集团股份有限公司", "万达集团"),
    ("ENT-BGY", "碧桂园控股有限公司", "碧桂园"),
    ("ENT-JD", "京东集团", "京东"),
    ("ENT-NEWHOPE", "新希望集团有限公司", "新希望"),
    ("ENT-ALIBABA", "阿里巴巴集团", "阿里巴巴"),
];

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];

pub const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "志强", "文", "华", "红", "海燕", "鹏", "宇",
    "浩然", "晨", "婷", "欣怡", "雪", "琳", "斌", "辉", "国庆", "卫东",
];

/// Posts of party and government cadres on assignment.
pub const CADRE_POSTS: &[&str] = &[
    "挂职副县长",
    "挂职县委常委",
    "驻村第一书记",
    "挂职扶贫办副主任",
    "挂职乡镇党委副书记",
];

/// Specialties of professional technicians with the posts they typically fill.
pub const TECHNICIANS: &[(&str, &str)] = &[
    ("teacher", "中学支教教师"),
    ("teacher", "小学支教教师"),
    ("doctor", "县人民医院副院长"),
    ("doctor", "县人民医院临床医生"),
    ("nurse", "乡镇卫生院护理骨干"),
    ("agronomist", "农业技术推广站农艺师"),
    ("veterinarian", "畜牧兽医站技术员"),
    ("engineer", "住建局工程技术人员"),
    ("e-commerce", "电商服务中心运营指导"),
];

/// Project sectors with name templates (appended to the county name).
pub const PROJECTS: &[(&str, &[&str])] = &[
    (
        "industry",
        &[
            "茶叶产业基地建设",
            "食用菌种植基地",
            "中药材规范化种植",
            "肉牛养殖小区",
            "蔬菜保供基地",
            "扶贫车间建设",
            "村级光伏电站",
        ],
    ),
    (
        "education",
        &[
            "中心小学教学楼改扩建",
            "职业技术学校实训楼",
            "乡镇幼儿园建设",
        ],
    ),
    (
        "health",
        &[
            "县人民医院远程诊疗中心",
            "乡镇卫生院标准化建设",
            "村卫生室建设",
        ],
    ),
    (
        "infrastructure",
        &["通村公路硬化", "产业路建设", "农村电网改造"],
    ),
    ("housing", &["易地扶贫搬迁安置点配套", "农村危房改造"]),
    ("water", &["农村饮水安全巩固提升", "高标准农田水利配套"]),
];

pub const FISCAL_PURPOSES: &[&str] = &[
    "产业发展帮扶资金",
    "劳务协作补助资金",
    "易地扶贫搬迁后续扶持资金",
    "教育帮扶资金",
    "医疗帮扶资金",
    "农村基础设施建设资金",
];

pub const SOCIAL_PURPOSES: &[&str] = &["企业捐赠", "慈善总会捐赠", "社会组织捐赠", "结对帮扶捐款"];

pub const INVESTMENT_PURPOSES: &[&str] = &[
    "产业帮扶",
    "消费帮扶配套",
    "教育帮扶",
    "健康帮扶",
    "人才培训",
    "基础设施补短板",
];
